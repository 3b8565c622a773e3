"""A scriptable fake HTTP provider on 127.0.0.1 for tests and benchmarks.

``FakeProvider`` stands in for Telegram, Discord, Feishu, KOOK, ACME, model APIs and the like. It records every
request and answers according to rules added by the test::

    with FakeProvider() as fake:
        fake.throttle(times=1, retry_after=2)            # first request: 429 + Retry-After: 2
        fake.respond(json={"ok": True, "result": 1})     # then this, forever
        client = HttpClient(UrlPolicy.for_base_url(fake.url))
        client.post(f"{fake.url}/bot123/sendMessage", json={...})
        assert fake.requests[0].json == {...}

Rules are evaluated in the order they were added. A rule matches when its optional ``method`` equals the
request method and its optional ``path`` is a prefix of the request path (query excluded); the first matching
rule that still has uses left answers, and one use is consumed (``times=None`` means forever). Without a
matching rule the answer is ``200 {"ok": true}``.

Design notes:

* ``ThreadingHTTPServer`` with daemon handler threads and HTTP/1.1 keep-alive, a deep listen backlog and no
  per-request logging: it sustains hundreds of requests per second from concurrent pooled clients.
* Requests are recorded *before* the rule runs (so a hanging request is already visible), in a lock-protected
  list; ``requests`` returns a snapshot and ``wait_for`` blocks on a condition variable.
* ``hang`` sleeps on an event that ``stop()`` sets, and ``stop()`` shuts down open client sockets, so stopping
  never waits for a sleeping or idle keep-alive handler.
"""

from __future__ import annotations

import contextlib
import json as jsonlib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from requests.structures import CaseInsensitiveDict

__all__ = ["FakeProvider", "RecordedRequest", "Reply"]

Body = bytes | Iterable[bytes]
Reply = tuple[int, Mapping[str, str], Body]
"""What a rule produces: (status, headers, body). An iterable body is sent with chunked transfer encoding."""

_MAX_REQUEST_BODY = 64 * 1024 * 1024


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake received it. ``received_at`` is a ``time.monotonic()`` value."""

    method: str
    path: str  # without the query string
    query: dict[str, list[str]]
    headers: CaseInsensitiveDict[str]
    body: bytes
    json: Any  # the parsed body, or None when it is not JSON
    received_at: float

    @property
    def target(self) -> str:
        """Path plus query string, as sent on the request line."""
        if not self.query:
            return self.path
        pairs = "&".join(f"{k}={v}" for k, values in self.query.items() for v in values)
        return f"{self.path}?{pairs}"


@dataclass
class _Rule:
    responder: Callable[[RecordedRequest], Reply]
    method: str | None = None
    path: str | None = None
    remaining: int | None = None  # None: forever
    delay: float = 0.0  # seconds to wait (interruptibly) before answering

    def matches(self, request: RecordedRequest) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.method is not None and self.method != request.method:
            return False
        return self.path is None or request.path.startswith(self.path)


def _json_reply(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> Reply:
    merged = {"Content-Type": "application/json"}
    merged.update(headers or {})
    return status, merged, jsonlib.dumps(payload).encode()


_DEFAULT_REPLY: Reply = _json_reply(200, {"ok": True})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512  # the default of 5 drops connections under concurrent bursts

    provider: FakeProvider

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that time out and hang up mid-answer are normal in these tests; never print tracebacks.
        return


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so pooled clients reuse connections
    disable_nagle_algorithm = True  # headers and body go out in separate writes: avoid the 40 ms delayed-ACK stall
    server_version = "FakeProvider/1"
    sys_version = ""
    timeout = 60  # idle keep-alive connections are dropped after this
    server: _Server

    def setup(self) -> None:
        context = self.server.provider.ssl_context
        if context is not None:
            # Handshake here, on the handler thread, so a slow client never blocks the accept loop.
            self.request = context.wrap_socket(self.request, server_side=True)
        super().setup()
        self.server.provider._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.provider._track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            total = 0
            while True:
                size_line = self.rfile.readline(1024)
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                total += size
                if total > _MAX_REQUEST_BODY:
                    raise ValueError("request body too large")
                chunks.append(self.rfile.read(size))
                self.rfile.readline(1024)
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_REQUEST_BODY:
            raise ValueError("request body too large")
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self) -> None:
        provider = self.server.provider
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self._send(400, {"Content-Type": "text/plain"}, b"bad request body")
            return
        split = urlsplit(self.path)
        parsed_json = None
        if body:
            try:
                parsed_json = jsonlib.loads(body)
            except (ValueError, UnicodeDecodeError):
                parsed_json = None
        request = RecordedRequest(
            method=self.command,
            path=split.path,
            query=parse_qs(split.query, keep_blank_values=True),
            headers=CaseInsensitiveDict(self.headers.items()),
            body=body,
            json=parsed_json,
            received_at=time.monotonic(),
        )
        provider._record(request)
        rule = provider._take_rule(request)
        if rule is not None and rule.delay > 0 and provider._stopping.wait(rule.delay):
            self.close_connection = True
            return  # stopping: drop the connection without answering
        try:
            status, headers, reply_body = rule.responder(request) if rule is not None else _DEFAULT_REPLY
        except Exception as e:  # a broken test responder must show up as a 500, not a hung client
            status, headers, reply_body = _json_reply(500, {"error": f"responder raised {type(e).__name__}: {e}"})
        self._send(status, headers, reply_body)

    def _send(self, status: int, headers: Mapping[str, str], body: Body) -> None:
        self.send_response(status)
        names = {k.lower() for k in headers}
        for name, value in headers.items():
            self.send_header(name, str(value))
        streaming = not isinstance(body, bytes | bytearray)
        if streaming:
            self.send_header("Transfer-Encoding", "chunked")
        elif "content-length" not in names:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "HEAD":
            return
        if not streaming:
            self.wfile.write(body)
            return
        for chunk in body:
            if chunk:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle


class FakeProvider:
    """A scriptable HTTP server on ``host`` (127.0.0.1) and ``port`` (0: any free port), run in a daemon thread.

    Use it as a context manager, or call ``start()``/``stop()``. ``url`` is the base URL without a trailing slash.
    Pass a server-side ``ssl_context`` to serve HTTPS (e.g. with a throwaway CA, to test SNI and certificate
    checks). All methods are thread-safe.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self._host = host
        self._port = port
        self.ssl_context = ssl_context  # a server-side context makes it an HTTPS provider
        self._lock = threading.Lock()
        self._recorded = threading.Condition(self._lock)
        self._requests: list[RecordedRequest] = []
        self._rules: list[_Rule] = []
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------------------------------

    def start(self) -> FakeProvider:
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server((self._host, self._port), _Handler)
        server.provider = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"fake-provider-{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving. Never waits for hanging handlers: they are woken and their sockets shut down."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        with self._lock:
            connections = list(self._connections)
            self._connections.clear()
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeProvider:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeProvider is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321`` (``https`` with an ssl_context; no trailing slash)."""
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://{self._host}:{self.port}"

    # -- recording ----------------------------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def wait_for(self, count: int, timeout: float = 5) -> list[RecordedRequest]:
        """Block until at least ``count`` requests were received; return the snapshot. Raises TimeoutError."""
        with self._recorded:
            if not self._recorded.wait_for(lambda: len(self._requests) >= count, timeout=timeout):
                raise TimeoutError(f"expected {count} request(s) within {timeout}s, got {len(self._requests)}")
            return list(self._requests)

    def reset(self) -> None:
        """Forget all rules and recorded requests."""
        with self._lock:
            self._rules.clear()
            self._requests.clear()

    # -- scripting ----------------------------------------------------------------------------------------------

    def respond(
        self,
        status: int = 200,
        json: Any = None,
        body: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        path: str | None = None,
        method: str | None = None,
        times: int | None = None,
    ) -> FakeProvider:
        """Answer ``status`` with a JSON body (``json``), raw ``body`` or nothing. ``times=None``: forever."""
        if json is not None and body is not None:
            raise ValueError("pass json or body, not both")
        if json is not None:
            reply = _json_reply(status, json, headers)
        else:
            raw = body.encode() if isinstance(body, str) else (body or b"")
            reply = (status, dict(headers or {}), raw)
        return self._add(lambda _request: reply, method=method, path=path, times=times)

    def fail(
        self, times: int | None = 1, status: int = 500, *, path: str | None = None, method: str | None = None
    ) -> FakeProvider:
        """Answer ``status`` (500) with a JSON error body."""
        reply = _json_reply(status, {"error": "injected failure", "status": status})
        return self._add(lambda _request: reply, method=method, path=path, times=times)

    def throttle(
        self,
        times: int | None = 1,
        retry_after: float = 1,
        status: int = 429,
        json_body: Any = None,
        *,
        path: str | None = None,
        method: str | None = None,
    ) -> FakeProvider:
        """Answer ``status`` (429) with a ``Retry-After`` header; the JSON body defaults to ``{"retry_after": n}``."""
        payload = json_body if json_body is not None else {"retry_after": retry_after}
        value = str(int(retry_after)) if float(retry_after).is_integer() else str(retry_after)
        reply = _json_reply(status, payload, {"Retry-After": value})
        return self._add(lambda _request: reply, method=method, path=path, times=times)

    def hang(
        self, seconds: float, times: int | None = 1, *, path: str | None = None, method: str | None = None
    ) -> FakeProvider:
        """Wait ``seconds`` before answering the default 200 (``stop()`` interrupts the wait)."""
        return self._add(lambda _request: _DEFAULT_REPLY, method=method, path=path, times=times, delay=seconds)

    def redirect(
        self,
        location: str,
        status: int = 302,
        times: int | None = 1,
        *,
        path: str | None = None,
        method: str | None = None,
    ) -> FakeProvider:
        """Answer a redirect to ``location``."""
        reply: Reply = (status, {"Location": location}, b"")
        return self._add(lambda _request: reply, method=method, path=path, times=times)

    def respond_with(
        self,
        fn: Callable[[RecordedRequest], Reply],
        *,
        path: str | None = None,
        method: str | None = None,
        times: int | None = None,
    ) -> FakeProvider:
        """Answer with ``fn(request) -> (status, headers, body)``; body is bytes, or an iterable of byte chunks
        (sent chunked, so a generator that sleeps between chunks makes a slow body). It runs on server threads."""
        return self._add(fn, method=method, path=path, times=times)

    # -- internals ----------------------------------------------------------------------------------------------

    def _add(
        self,
        responder: Callable[[RecordedRequest], Reply],
        *,
        method: str | None = None,
        path: str | None = None,
        times: int | None = None,
        delay: float = 0.0,
    ) -> FakeProvider:
        if times is not None and times < 1:
            raise ValueError("times must be at least 1 (or None for forever)")
        rule = _Rule(responder, method.upper() if method else None, path, times, delay)
        with self._lock:
            self._rules.append(rule)
        return self

    def _take_rule(self, request: RecordedRequest) -> _Rule | None:
        with self._lock:
            for rule in self._rules:
                if rule.matches(request):
                    if rule.remaining is not None:
                        rule.remaining -= 1
                    return rule
        return None

    def _record(self, request: RecordedRequest) -> None:
        with self._recorded:
            self._requests.append(request)
            self._recorded.notify_all()

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)
