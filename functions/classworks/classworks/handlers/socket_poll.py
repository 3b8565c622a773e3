"""SocketPollFunction: GET and POST /socket.io, Engine.IO long-polling on the HTTP API (routes/socket_io.py)."""

from typing import Any

from classworks.api import ENVELOPE
from classworks.routes import socket_io
from suite.api import http_function

app, _serve = http_function(ENVELOPE, socket_io.router)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _serve(socket_io.without_trailing_slash(event), context)
