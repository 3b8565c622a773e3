"""DeviceSocketFunction: the agent's WebSocket ($connect, $default, $disconnect on /api/websocket)."""

from certctrl.routes import device_socket
from suite.websocket import socket_handler

handler = socket_handler(connect=device_socket.connect, message=device_socket.message,
                         disconnect=device_socket.disconnect)
