"""The WebSocket API's routes (`$connect`, `$default`, `$disconnect`) and the feed stream's pushes, read from
their events and handed to logic/socket.py."""

from __future__ import annotations

from typing import Any

from certctrl.logic import socket
from suite import auth, websocket


def connect(event: dict[str, Any], connection_id: str) -> int:
    token = websocket.query_token(event, ("token",)) or auth.bearer_token(event)
    device_id = websocket.query_token(event, ("device_id",))
    return socket.connect(connection_id, token=token, device_id=device_id)


def message(event: dict[str, Any], connection_id: str, body: str) -> Any:
    return socket.message(connection_id, body)


def disconnect(connection_id: str) -> None:
    socket.disconnect(connection_id)


def feed_changes(event: dict[str, Any], _context: Any = None) -> dict[str, Any]:
    """DeviceFeedTable stream batch → pushes; `batchItemFailures` names the record to retry from."""
    return {"batchItemFailures": socket.push_records(event.get("Records") or [])}
