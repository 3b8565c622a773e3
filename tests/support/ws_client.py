"""A minimal WebSocket client for tests (RFC 6455 text frames, masked as clients must), standard library only."""

from __future__ import annotations

import base64
import os
import socket
import struct
from urllib.parse import urlsplit


class HandshakeRefused(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"handshake refused with HTTP {status}")
        self.status = status


class WebSocketClient:
    def __init__(self, url: str, *, timeout: float = 10) -> None:
        parts = urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        request = (f"GET {target} HTTP/1.1\r\nHost: {parts.hostname}:{parts.port}\r\nUpgrade: websocket\r\n"
                   f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
        self.sock.sendall(request.encode())
        self.reader = self.sock.makefile("rb")
        status_line = self.reader.readline().decode()
        status = int(status_line.split()[1])
        while self.reader.readline() not in (b"\r\n", b""):
            pass
        if status != 101:
            self.sock.close()
            raise HandshakeRefused(status)

    def send_text(self, text: str) -> None:
        self._send(0x1, text.encode())

    def _send(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        size = len(payload)
        header = bytes([0x80 | opcode])
        if size < 126:
            header += bytes([0x80 | size])
        elif size < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack("!H", size)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", size)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def receive(self) -> tuple[int, bytes]:
        """(opcode, payload) of the next frame from the server."""
        head = self.reader.read(2)
        if len(head) < 2:
            raise ConnectionError("closed")
        size = head[1] & 0x7F
        if size == 126:
            size = struct.unpack("!H", self.reader.read(2))[0]
        elif size == 127:
            size = struct.unpack("!Q", self.reader.read(8))[0]
        return head[0] & 0x0F, self.reader.read(size)

    def receive_text(self) -> str:
        while True:
            opcode, payload = self.receive()
            if opcode == 0x1:
                return payload.decode()
            if opcode == 0x8:
                raise ConnectionError("closed by the server")

    def ping(self, data: bytes = b"hi") -> bytes:
        self._send(0x9, data)
        opcode, payload = self.receive()
        assert opcode == 0xA
        return payload

    def close(self) -> None:
        try:
            self._send(0x8, struct.pack("!H", 1000))
        finally:
            self.sock.close()
