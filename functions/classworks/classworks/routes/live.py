"""Live changes (docs/classworks.md "Live changes"): the WebSocket API's routes, where Socket.IO (Engine.IO over
WebSocket, suite.socketio) and the unframed JSON protocol share one API, KvTable's stream, and the Socket.IO
engine's greeting queue and heartbeat sweep.

A `$connect` whose query has `EIO` (every Socket.IO client's) belongs to the engine, any other to the JSON
protocol; later `$default` and `$disconnect` events belong to the engine when it linked their connection.
"""

import json
from typing import Any

from classworks.logic import live, socket_engine
from suite import websocket
from suite.socketio import gateway

engine = socket_engine.engine
greet_later = socket_engine.greet_later
remembering = socket_engine.remembering


def is_socketio(event: dict[str, Any]) -> bool:
    context = event.get("requestContext") or {}
    if context.get("routeKey") == "$connect":
        return "EIO" in gateway.query_of(event)
    return socket_engine.is_engine_connection(context.get("connectionId") or "")


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


def greet(record: Any, context: Any) -> None:
    """A greeting queue message `{connectionId}`: the open packet for a websocket-only Socket.IO client."""
    body = json.loads(record.body)
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    socket_engine.greet(str(body["connectionId"]), remaining_ms=int(remaining()) if callable(remaining) else None)


def sweep() -> dict[str, int]:
    """Socket.IO heartbeats: pings for websocket sessions, silent sessions closed."""
    return {"sessions": socket_engine.sweep()}
