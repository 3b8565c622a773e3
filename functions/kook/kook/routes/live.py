"""The live view's entry points: the WebSocket API's `$connect`, `$disconnect` and `$default` routes
(LiveSocketFunction; the stage is the path: ws, logs, system or captcha) and the minutely status pushes
(LiveStatusFunction)."""

from __future__ import annotations

from typing import Any

from kook import access
from kook.logic import live
from suite import websocket


def _stage(event: Any) -> str:
    return (event.get("requestContext") or {}).get("stage", "ws")


def connect(event: Any, connection_id: str) -> int:
    """The handshake's status: the login token from `?token=` (browsers cannot set headers on a WebSocket),
    `X-API-Token` or `Authorization: Bearer`."""
    token = websocket.query_token(event) or access.presented_token(event)
    return live.connect(connection_id, _stage(event), token)


def message(event: Any, _connection_id: str, body: str) -> dict[str, Any]:
    return live.message(_stage(event), body)


def disconnect(connection_id: str) -> None:
    live.disconnect(connection_id)


def push_status() -> dict[str, Any]:
    """`{"type": "status"}` to the live-log clients a few times per run; connections whose login ended are closed."""
    return live.status_rounds()
