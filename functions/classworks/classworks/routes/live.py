"""Live KV changes (docs/classworks.md "Live changes"): the WebSocket API's routes ($connect, $default,
$disconnect, through suite.websocket.socket_handler) and KvTable's stream, from the events to logic/live.py."""

from typing import Any

from classworks.logic import live
from suite import websocket


def connect(event: dict[str, Any], connection_id: str) -> int:
    """The handshake: joins the room of `?token=` / `?apptoken=` (401 for a token we do not know)."""
    return live.connect(connection_id, websocket.query_token(event, live.JOIN_TOKEN_PARAMETERS))


def message(_event: dict[str, Any], connection_id: str, body: str) -> bytes | None:
    return live.message(connection_id, body)


def disconnect(connection_id: str) -> None:
    live.disconnect(connection_id)


def changes(event: dict[str, Any]) -> dict[str, Any]:
    """A KvTable stream batch: `kv-key-changed` pushes, the first failed record reported (partial failure)."""
    return {"batchItemFailures": live.push_changes(event.get("Records") or [])}
