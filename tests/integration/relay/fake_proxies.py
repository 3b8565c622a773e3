"""Minimal HTTP-CONNECT and SOCKS5 proxies on 127.0.0.1 that answer the tunnel request and record it (they do
not forward anything: the relay's connectivity test only needs the tunnel to open)."""

from __future__ import annotations

import socket
import socketserver
import struct
import threading
from contextlib import contextmanager


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@contextmanager
def connect_proxy(*, status: int = 200, credentials: tuple[str, str] | None = None):
    seen: list[str] = []

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = self.request.recv(1024)
                if not chunk:
                    return
                data += chunk
            text = data.decode("latin-1")
            seen.append(text)
            wanted = status
            if credentials and "Proxy-Authorization: Basic " not in text:
                wanted = 407
            self.request.sendall(f"HTTP/1.1 {wanted} X\r\nContent-Length: 0\r\n\r\n".encode())

    server = _Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def socks5_proxy(*, user: str | None = None, password: str | None = None, reply: int = 0):
    seen: list[tuple[str, int]] = []

    class Handler(socketserver.BaseRequestHandler):
        def _read(self, size: int) -> bytes:
            data = b""
            while len(data) < size:
                chunk = self.request.recv(size - len(data))
                if not chunk:
                    raise ConnectionError
                data += chunk
            return data

        def handle(self) -> None:
            try:
                _version, count = self._read(2)
                methods = self._read(count)
                if user is not None:
                    if 2 not in methods:
                        self.request.sendall(b"\x05\xff")
                        return
                    self.request.sendall(b"\x05\x02")
                    _v, size = self._read(2)
                    got_user = self._read(size).decode()
                    (size,) = self._read(1)
                    got_password = self._read(size).decode()
                    ok = got_user == user and got_password == password
                    self.request.sendall(b"\x01\x00" if ok else b"\x01\x01")
                    if not ok:
                        return
                else:
                    self.request.sendall(b"\x05\x00")
                _v, _cmd, _rsv, kind = self._read(4)
                if kind == 3:
                    (size,) = self._read(1)
                    host = self._read(size).decode()
                else:
                    host = socket.inet_ntoa(self._read(4))
                (port,) = struct.unpack(">H", self._read(2))
                seen.append((host, port))
                self.request.sendall(bytes([5, reply, 0, 1]) + socket.inet_aton("127.0.0.1") + struct.pack(">H", 0))
            except ConnectionError:
                return

    server = _Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()
