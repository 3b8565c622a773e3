"""ControlLogsFunction: the control log WebSocket ($connect, $default, $disconnect on /api/control/logs)."""

from ccjk.routes import control_logs
from suite.websocket import socket_handler

handler = socket_handler(connect=control_logs.connect, message=control_logs.message,
                         disconnect=control_logs.disconnect)
