"""A real connectivity test of an HTTP(S) or SOCKS5 proxy: connect to it (SSRF-guarded: the proxy's address
must be public unless its origin is a configured trusted one) and ask it to open a tunnel to the probe target
(`PROXY_PROBE_TARGET`, api.anthropic.com:443 by default). The proxy answering "tunnel open" is success.

Raw sockets, not HTTP: suite.outbound's client refuses to use proxies, on purpose. The proxy address is checked
with suite.outbound's own guard (validate_url for the spelling, AddressGuard for every resolved address).
"""

from __future__ import annotations

import base64
import socket
import ssl
import struct
import time

from suite.outbound import UnsafeUrlError, UrlPolicy, validate_url
from suite.outbound.url_guard import AddressGuard, BlockedAddressError

TIMEOUT_SECONDS = 8.0


class ProbeFailed(Exception):
    """The proxy could not be reached or refused the tunnel (the message is safe to show)."""


def _connect(host: str, port: int, trusted: frozenset[str]) -> socket.socket:
    try:
        safe = validate_url(f"http://{host}:{port}/", UrlPolicy(allowed_schemes=frozenset({"http"}),
                                                                 allowed_ports=frozenset(range(1, 65536)),
                                                                 trusted_origins=trusted))
        infos = AddressGuard(trusted).resolve("http", safe.host, safe.port)
    except (UnsafeUrlError, BlockedAddressError) as exc:
        raise ProbeFailed(f"proxy address not allowed: {exc}") from None
    except OSError:
        raise ProbeFailed("proxy host does not resolve") from None
    last: OSError | None = None
    for family, kind, proto, _name, address in infos:
        sock = socket.socket(family, kind, proto)
        sock.settimeout(TIMEOUT_SECONDS)
        try:
            sock.connect(address)
            return sock
        except OSError as exc:
            last = exc
            sock.close()
    raise ProbeFailed(f"cannot connect to the proxy ({type(last).__name__ if last else 'no address'})")


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ProbeFailed("the proxy closed the connection")
        data += chunk
    return data


def _http_tunnel(sock: socket.socket, target: str, username: str | None, password: str | None) -> None:
    lines = [f"CONNECT {target} HTTP/1.1", f"Host: {target}"]
    if username:
        token = base64.b64encode(f"{username}:{password or ''}".encode()).decode()
        lines.append(f"Proxy-Authorization: Basic {token}")
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    answer = b""
    while b"\r\n\r\n" not in answer and len(answer) < 8192:
        chunk = sock.recv(1024)
        if not chunk:
            break
        answer += chunk
    status_line = answer.split(b"\r\n", 1)[0].decode("latin-1", errors="replace")
    parts = status_line.split()
    if len(parts) < 2 or not parts[0].startswith("HTTP/"):
        raise ProbeFailed("the proxy did not answer CONNECT")
    if parts[1] == "407":
        raise ProbeFailed("the proxy wants credentials (407)")
    if parts[1] != "200":
        raise ProbeFailed(f"the proxy refused the tunnel (HTTP {parts[1]})")


def _socks5_tunnel(sock: socket.socket, target_host: str, target_port: int, username: str | None,
                   password: str | None) -> None:
    methods = b"\x00\x02" if username else b"\x00"
    sock.sendall(b"\x05" + bytes([len(methods)]) + methods)
    version, method = _recv_exact(sock, 2)
    if version != 5:
        raise ProbeFailed("not a SOCKS5 proxy")
    if method == 2:
        user, secret = (username or "").encode(), (password or "").encode()
        sock.sendall(b"\x01" + bytes([len(user)]) + user + bytes([len(secret)]) + secret)
        if _recv_exact(sock, 2)[1] != 0:
            raise ProbeFailed("the proxy refused the credentials")
    elif method != 0:
        raise ProbeFailed("the proxy accepts none of our authentication methods")
    name = target_host.encode("idna")
    sock.sendall(b"\x05\x01\x00\x03" + bytes([len(name)]) + name + struct.pack(">H", target_port))
    reply = _recv_exact(sock, 4)
    if reply[1] != 0:
        raise ProbeFailed(f"the proxy could not open the tunnel (SOCKS reply {reply[1]})")


def tunnel(kind: str, host: str, port: int, *, username: str | None, password: str | None, target: str,
           trusted_origins: tuple[str, ...]) -> int:
    """Open a tunnel through the proxy to `target` (host:port); the milliseconds it took, or ProbeFailed."""
    target_host, _, target_port = target.rpartition(":")
    started = time.monotonic()
    sock = _connect(host, port, frozenset(trusted_origins))
    try:
        if kind == "https":
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host)
        if kind == "socks5":
            _socks5_tunnel(sock, target_host, int(target_port or 443), username, password)
        else:
            _http_tunnel(sock, target, username, password)
    except OSError as exc:  # timeouts and resets while talking to the proxy
        raise ProbeFailed(f"the proxy did not answer in time ({type(exc).__name__})") from None
    finally:
        sock.close()
    return int((time.monotonic() - started) * 1000)
