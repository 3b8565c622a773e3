"""LiveSocketFunction: the WebSocket API's $connect, $disconnect and $default routes: Socket.IO clients (through
the engine) and the unframed JSON protocol (live KV changes), told apart by routes/live.py."""

from typing import Any

from classworks.routes import live
from suite.socketio import gateway
from suite.websocket import socket_handler

_json_protocol = socket_handler(connect=live.connect, message=live.message, disconnect=live.disconnect)
_socketio = gateway.websocket_handler(live.engine, greet=live.greet_later)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    with live.remembering():
        return (_socketio if live.is_socketio(event) else _json_protocol)(event, context)
