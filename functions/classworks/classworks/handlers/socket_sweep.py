"""SocketSweepFunction: every minute, Socket.IO heartbeats (pings over WebSocket, silent sessions closed)."""

from classworks.routes import live
from suite.workers import scheduled

handler = scheduled(live.sweep)
