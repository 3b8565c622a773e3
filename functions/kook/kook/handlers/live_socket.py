"""LiveSocketFunction: the WebSocket API's $connect, $disconnect and $default routes."""

from kook.routes import live
from suite.websocket import socket_handler

handler = socket_handler(connect=live.connect, message=live.message, disconnect=live.disconnect)
