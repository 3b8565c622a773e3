"""The WebSocket API's routes (`$connect`, `$default`, `$disconnect`) and the feed stream's pushes, read from
their events and handed to logic/socket.py; connections on the `tunnel` stage (`/api/tunnel`, issue 19) go to
logic/tunnels.py."""

from __future__ import annotations

from typing import Any

from certctrl import config
from certctrl.logic import presence, socket, tunnels
from suite import auth, websocket


def _on_tunnel_stage(event: dict[str, Any]) -> bool:
    return (event.get("requestContext") or {}).get("stage") == config.extended().tunnel_stage


def connect(event: dict[str, Any], connection_id: str) -> int:
    token = websocket.query_token(event, ("token",)) or auth.bearer_token(event)
    device_id = websocket.query_token(event, ("device_id",))
    if _on_tunnel_stage(event):
        source_ip = ((event.get("requestContext") or {}).get("identity") or {}).get("sourceIp")
        return tunnels.connect(connection_id, token=token, device_id=device_id, source_ip=source_ip)
    return socket.connect(connection_id, token=token, device_id=device_id)


def message(event: dict[str, Any], connection_id: str, body: str) -> Any:
    if _on_tunnel_stage(event):
        return tunnels.message(connection_id, body)
    return socket.message(connection_id, body)


def disconnect(connection_id: str) -> None:
    if not tunnels.disconnect(connection_id):
        presence.disconnected(connection_id)


def feed_changes(event: dict[str, Any], _context: Any = None) -> dict[str, Any]:
    """DeviceFeedTable stream batch → pushes; `batchItemFailures` names the record to retry from."""
    return {"batchItemFailures": socket.push_records(event.get("Records") or [])}
