"""The control log socket's `$connect`, `$default` and `$disconnect`, read from their events and handed to
logic/control_logs.py."""

from __future__ import annotations

from typing import Any

from ccjk.logic import control_logs
from suite import auth, websocket


def connect(event: dict[str, Any], connection_id: str) -> int:
    token = websocket.query_token(event, ("token",)) or auth.bearer_token(event)
    return control_logs.connect(connection_id, token=token, device_id=websocket.query_token(event, ("deviceId",)))


def message(event: dict[str, Any], connection_id: str, body: str) -> Any:
    return control_logs.message(connection_id, body)


def disconnect(connection_id: str) -> None:
    control_logs.disconnect(connection_id)
