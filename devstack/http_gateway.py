"""An API Gateway HTTP API on a localhost port: routes from the template, payload format 2.0 events.

Each request is matched against the service's `HttpApi` routes with API Gateway's precedence (literal
segments before `{param}` before `{greedy+}`, a specific method before ANY), turned into the same event API
Gateway sends (`version: "2.0"`, routeKey, rawPath, rawQueryString, cookies, lower-case headers, path and query
parameters, requestContext.http, base64 for binary bodies) and handed to the route's real Lambda handler in
its worker process. The function's answer is mapped back the way API Gateway maps it, CORS preflights are
answered by the gateway from the template's CorsConfiguration, and unknown routes get API Gateway's 404.

API Gateway's and Lambda's limits hold here too, each answered in API Gateway's JSON shape (never the HTML pages
of Python's http.server): a body over 10 MB is 413 before routing; an event over Lambda's 6 MiB invoke limit is
413; a function result over Lambda's limit is 500; request line + header values over 10,240 bytes is 431; a
function still running after the integration timeout (the route's TimeoutInMillis, at most 30 s) is 503, while
the function runs on; a method API Gateway has no route for (TRACE, CONNECT, anything made up) is 404 like any
unrouted request; a request the HTTP parser cannot read is 400.
"""

from __future__ import annotations

import base64
import json
import re
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from devstack.asgi_server import AsgiServer, forward
from devstack.logs import LogSink
from devstack.runtime import FunctionRuntime, Invocation
from devstack.template import ACCOUNT_ID, HttpApiSpec, HttpRoute
from devstack.ws_gateway import WebSocketGateway

MAX_REQUEST_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit (Lambda's 6 MiB is checked on the event)
MAX_REQUEST_LINE_AND_HEADERS = 10240  # HTTP API quota: request line + header values, in bytes
MAX_INTEGRATION_TIMEOUT_MS = 30000  # HTTP API quota: the longest an integration may take
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")  # what an HTTP API route can name (or ANY)
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript",
               "application/x-www-form-urlencoded", "application/problem+json", "+json", "+xml")


@dataclass
class BoundRoute:
    route: HttpRoute
    runtime: FunctionRuntime
    pattern: re.Pattern[str]
    rank: tuple[Any, ...]
    asgi: AsgiServer | None = None  # the function is an ASGI app served by uvicorn: the answer streams

    @property
    def route_key(self) -> str:
        return f"{self.route.method} {self.route.path}"


def compile_path(path: str) -> tuple[re.Pattern[str], tuple[int, ...]]:
    """`/device/{deviceId}` → a regex and a rank (2 literal, 1 parameter, 0 greedy per segment)."""
    parts, rank = [], []
    segments = [s for s in path.strip("/").split("/") if s] if path != "/" else []
    for index, segment in enumerate(segments):
        greedy = re.fullmatch(r"\{(\w+)\+\}", segment)
        param = re.fullmatch(r"\{(\w+)\}", segment)
        if greedy:
            if index != len(segments) - 1:
                raise ValueError(f"greedy parameter must be last: {path}")
            parts.append(f"(?P<{greedy.group(1)}>.+)")
            rank.append(0)
        elif param:
            parts.append(f"(?P<{param.group(1)}>[^/]+)")
            rank.append(1)
        else:
            parts.append(re.escape(segment))
            rank.append(2)
    return re.compile("^/" + "/".join(parts) + "/?$" if parts else "^/$"), tuple(rank)


class RouteTable:
    def __init__(self) -> None:
        self.routes: list[BoundRoute] = []
        self.default: BoundRoute | None = None

    def add(self, route: HttpRoute, runtime: FunctionRuntime, asgi: AsgiServer | None = None) -> None:
        if route.path == "$default":
            self.default = BoundRoute(route, runtime, re.compile(".*"), (), asgi)
            return
        pattern, rank = compile_path(route.path)
        self.routes.append(BoundRoute(route, runtime, pattern, rank, asgi))

    def attach(self, function_key: str, server: AsgiServer) -> None:
        """The function's routes are answered by its ASGI app from now on (streaming)."""
        for bound in [*self.routes, *([self.default] if self.default else [])]:
            if bound.runtime.spec.key == function_key:
                bound.asgi = server

    def match(self, method: str, path: str) -> tuple[BoundRoute | None, dict[str, str], bool]:
        """(route, path parameters, whether the path exists under another method)."""
        best: tuple[tuple[Any, ...], BoundRoute, dict[str, str]] | None = None
        path_known = False
        for bound in self.routes:
            found = bound.pattern.match(path)
            if not found:
                continue
            path_known = True
            if bound.route.method not in (method, "ANY"):
                continue
            score = (bound.rank, bound.route.method != "ANY")
            if best is None or score > best[0]:
                params = {k: unquote(v) for k, v in found.groupdict().items()}
                best = (score, bound, params)
        if best:
            return best[1], best[2], True
        if self.default:
            return self.default, {}, True
        return None, {}, path_known


def build_event(*, method: str, raw_path: str, raw_query: str, headers: list[tuple[str, str]], body: bytes,
                route_key: str, path_parameters: dict[str, str], source_ip: str, api_id: str) -> dict[str, Any]:
    merged: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        key = name.lower()
        if key == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        merged[key] = f"{merged[key]},{value}" if key in merged else value
    query: dict[str, str] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    host = merged.get("host", "localhost")
    now = time.time()
    request_id = base64.b32encode(uuid.uuid4().bytes[:10]).decode().rstrip("=")
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": merged,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": api_id,
            "domainName": host.split(":")[0],
            "domainPrefix": host.split(":")[0].split(".")[0],
            "http": {
                "method": method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": merged.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": route_key,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if path_parameters:
        event["pathParameters"] = path_parameters
    if body:
        content_type = merged.get("content-type", "").lower()
        if any(t in content_type for t in _TEXT_TYPES) or not content_type:
            try:
                event["body"] = body.decode("utf-8")
            except UnicodeDecodeError:
                event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode(), True
        else:
            event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode(), True
    return event


@dataclass
class HttpAnswer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


NOT_FOUND = {"message": "Not Found"}
TOO_LARGE = {"message": "Request Entity Too Large"}
HEADERS_TOO_LARGE = {"message": "Request Header Fields Too Large"}


def answer_from_invocation(invocation: Invocation) -> HttpAnswer:
    """Map a function's result the way API Gateway does for payload format 2.0."""
    if invocation.event_too_large:
        return _json_answer(413, TOO_LARGE)
    if not invocation.ok:
        return _json_answer(500, {"message": "Internal Server Error"})
    result = invocation.result
    if isinstance(result, dict) and "statusCode" in result:
        headers = [(k, str(v)) for k, v in (result.get("headers") or {}).items()]
        for name, values in (result.get("multiValueHeaders") or {}).items():
            headers.extend((name, str(v)) for v in values)
        headers.extend(("Set-Cookie", c) for c in result.get("cookies") or [])
        raw = result.get("body") or ""
        body = base64.b64decode(raw) if result.get("isBase64Encoded") else str(raw).encode("utf-8")
        return HttpAnswer(int(result["statusCode"]), headers, body)
    body = result if isinstance(result, str) else json.dumps(result)
    return HttpAnswer(200, [("Content-Type", "application/json")], body.encode("utf-8"))


def _json_answer(status: int, payload: Any) -> HttpAnswer:
    return HttpAnswer(status, [("Content-Type", "application/json")], json.dumps(payload).encode())


class Cors:
    """The HttpApi CorsConfiguration, applied by the gateway (preflights never reach a function)."""

    def __init__(self, config: dict[str, Any] | None) -> None:
        config = config or {}
        self.enabled = bool(config)
        self.origins = list(config.get("AllowOrigins", []))
        self.methods = [m.upper() for m in config.get("AllowMethods", [])]
        self.headers = [h.lower() for h in config.get("AllowHeaders", [])]
        self.expose = config.get("ExposeHeaders", [])
        self.credentials = bool(config.get("AllowCredentials"))
        self.max_age = config.get("MaxAge")

    def allowed_origin(self, origin: str | None) -> str | None:
        if not self.enabled or not origin:
            return None
        if "*" in self.origins:
            return "*" if not self.credentials else origin
        return origin if origin in self.origins else None

    def preflight(self, origin: str | None, method: str | None, headers: str | None) -> HttpAnswer:
        allowed = self.allowed_origin(origin)
        out: list[tuple[str, str]] = []
        if allowed and method and ("*" in self.methods or method.upper() in self.methods):
            out.append(("Access-Control-Allow-Origin", allowed))
            out.append(("Access-Control-Allow-Methods", ",".join(self.methods)))
            if self.headers:
                requested = [h.strip() for h in (headers or "").split(",") if h.strip()]
                granted = requested if "*" in self.headers else [h for h in requested if h.lower() in self.headers]
                if granted:
                    out.append(("Access-Control-Allow-Headers", ",".join(granted)))
            if self.max_age is not None:
                out.append(("Access-Control-Max-Age", str(self.max_age)))
            if self.credentials:
                out.append(("Access-Control-Allow-Credentials", "true"))
        return HttpAnswer(204, out, b"")

    def decorate(self, origin: str | None, answer: HttpAnswer) -> None:
        allowed = self.allowed_origin(origin)
        if not allowed:
            return
        answer.headers = [h for h in answer.headers if not h[0].lower().startswith("access-control-")]
        answer.headers.append(("Access-Control-Allow-Origin", allowed))
        if self.expose:
            answer.headers.append(("Access-Control-Expose-Headers", ",".join(self.expose)))
        if self.credentials:
            answer.headers.append(("Access-Control-Allow-Credentials", "true"))


class HttpApi:
    """One service's HTTP API as API Gateway runs it: limits, routes, CORS, the Lambda integration (no sockets)."""

    def __init__(self, *, service: str, api: HttpApiSpec, table: RouteTable, logs: LogSink,
                 websockets: list[WebSocketGateway] | None = None) -> None:
        self.service = service
        self.api = api
        self.table = table
        self.websockets = websockets or []  # WebSocket APIs served on the same port
        self.cors = Cors(api.cors)
        self.logs = logs
        self.api_id = api.api_id

    def handle(self, method: str, target: str, headers: list[tuple[str, str]], body: bytes,
               source_ip: str) -> HttpAnswer:
        split = urlsplit(target)
        path, raw_query = split.path or "/", split.query
        header_map = {k.lower(): v for k, v in headers}
        origin = header_map.get("origin")
        if method == "OPTIONS" and self.cors.enabled and "access-control-request-method" in header_map:
            return self.cors.preflight(origin, header_map.get("access-control-request-method"),
                                       header_map.get("access-control-request-headers"))
        if len(body) > MAX_REQUEST_BYTES:
            return _json_answer(413, TOO_LARGE)
        bound, params, _ = self.table.match(method, path) if method in METHODS else (None, {}, False)
        if bound is None:
            answer = _json_answer(404, NOT_FOUND)
        else:
            event = build_event(method=method, raw_path=path, raw_query=raw_query, headers=headers, body=body,
                                route_key=bound.route_key if bound.route.path != "$default" else "$default",
                                path_parameters=params, source_ip=source_ip, api_id=self.api_id)
            timeout = min(bound.route.timeout_ms, MAX_INTEGRATION_TIMEOUT_MS) / 1000
            invocation = _invoke_within(bound.runtime, event, timeout)
            if invocation is None:  # API Gateway gives up; the function runs on until it ends or times out
                answer = _json_answer(503, {"message": "Service Unavailable"})
            else:
                answer = answer_from_invocation(invocation)
            answer.headers.append(("apigw-requestid", event["requestContext"]["requestId"]))
        self.cors.decorate(origin, answer)
        return answer


    def streamed_route(self, method: str, target: str) -> BoundRoute | None:
        """The route when it belongs to an ASGI function (answered by `forward`, streaming), else None."""
        if method == "OPTIONS" or method not in METHODS:
            return None
        bound, _, _ = self.table.match(method, urlsplit(target).path or "/")
        return bound if bound is not None and bound.asgi is not None else None

    def stream_headers(self, origin: str | None) -> list[tuple[str, str]]:
        """What the gateway adds to a streamed answer: its request id and the CORS headers."""
        answer = HttpAnswer(200, [("apigw-requestid", uuid.uuid4().hex[:16])], b"")
        self.cors.decorate(origin, answer)
        return answer.headers


def _invoke_within(runtime: FunctionRuntime, event: dict[str, Any], timeout: float) -> Invocation | None:
    """The invocation, or None if it did not finish within the integration timeout."""
    done = threading.Event()
    box: list[Invocation] = []

    def run() -> None:
        try:
            box.append(runtime.invoke(event))
        except Exception as exc:  # the local runtime broke: API Gateway would see an integration failure
            box.append(Invocation("-", error={"errorType": type(exc).__name__, "errorMessage": str(exc)}))
        finally:
            done.set()

    threading.Thread(target=run, name="integration", daemon=True).start()
    return box[0] if done.wait(timeout) else None


class HttpApiGateway(HttpApi):
    """One service's HTTP API on one port."""

    def __init__(self, *, service: str, api: HttpApiSpec, table: RouteTable, host: str, port: int,
                 logs: LogSink, websockets: list[WebSocketGateway] | None = None) -> None:
        super().__init__(service=service, api=api, table=table, logs=logs, websockets=websockets)
        self.server = _QuietServer((host, port), handler_class(self))
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def url(self) -> str:
        host = self.server.server_address[0]
        return f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{self.port}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self.server.serve_forever, name=f"http-{self.service}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _QuietServer(ThreadingHTTPServer):
    request_queue_size = 128  # http.server's default backlog of 5 resets connections of a concurrent burst

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-request is normal (closed WebSockets, aborted curls): no traceback."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _BadRequest(Exception):
    def __init__(self, status: int, payload: dict[str, str]) -> None:
        super().__init__(payload["message"])
        self.status = status
        self.payload = payload


def _read_body(handler: BaseHTTPRequestHandler) -> bytes:
    """The request body (Content-Length or chunked), refused above API Gateway's 10 MB before it is read."""
    encoding = (handler.headers.get("Transfer-Encoding") or "").lower()
    if encoding:
        if encoding.replace(" ", "") != "chunked":
            raise _BadRequest(400, {"message": "Bad Request"})
        return _read_chunked(handler)
    lengths = {value.strip() for value in handler.headers.get_all("Content-Length") or []}
    if not lengths:
        return b""
    if len(lengths) != 1 or not next(iter(lengths)).isascii() or not next(iter(lengths)).isdigit():
        raise _BadRequest(400, {"message": "Bad Request"})
    length = int(next(iter(lengths)))
    if length > MAX_REQUEST_BYTES:
        _discard(handler, length)  # so that the client, still sending, reads the answer instead of a reset
        raise _BadRequest(413, TOO_LARGE)
    body = handler.rfile.read(length) if length else b""
    if len(body) < length:
        raise _BadRequest(400, {"message": "Bad Request"})  # the client hung up mid-body
    return body


def _discard(handler: BaseHTTPRequestHandler, length: int, cap: int = 8 * MAX_REQUEST_BYTES) -> None:
    left = min(length, cap)
    while left > 0:
        chunk = handler.rfile.read(min(left, 1 << 16))
        if not chunk:
            return
        left -= len(chunk)


def _read_chunked(handler: BaseHTTPRequestHandler) -> bytes:
    parts, total = [], 0
    while True:
        line = handler.rfile.readline(1026)
        try:
            size = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError as exc:
            raise _BadRequest(400, {"message": "Bad Request"}) from exc
        if size == 0:
            while handler.rfile.readline(65537) not in (b"\r\n", b"\n", b""):  # trailers
                pass
            return b"".join(parts)
        total += size
        if size < 0 or total > MAX_REQUEST_BYTES:
            raise _BadRequest(413, TOO_LARGE)
        chunk = handler.rfile.read(size)
        if len(chunk) < size or handler.rfile.readline(3) not in (b"\r\n", b"\n"):
            raise _BadRequest(400, {"message": "Bad Request"})
        parts.append(chunk)


def handler_class(gateway: HttpApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "devstack-apigw"

        def _serve(self) -> None:
            started = time.perf_counter()
            size = len(self.requestline.encode("latin-1", "replace")) + sum(
                len(value.encode("latin-1", "replace")) for value in self.headers.values())
            try:
                if size > MAX_REQUEST_LINE_AND_HEADERS:
                    raise _BadRequest(431, HEADERS_TOO_LARGE)
                body = _read_body(self)
            except _BadRequest as refused:
                self.close_connection = True  # whatever is left of the body must not be read as a request
                self._send(_json_answer(refused.status, refused.payload), started, close=True)
                return
            path = urlsplit(self.path).path
            for websocket in gateway.websockets:
                target = websocket.management_target(path)
                if target:
                    websocket.manage(self, target[1], body)
                    return
                stage = websocket.stage_for(path)
                if stage and self.command == "GET" and "upgrade" in self.headers.get("Connection", "").lower():
                    websocket.serve_connection(self, stage)
                    return
            streamed = gateway.streamed_route(self.command, self.path)
            if streamed is not None and streamed.asgi is not None:
                status = forward(self, streamed.asgi, body=body,
                                 extra_headers=gateway.stream_headers(self.headers.get("Origin")))
                gateway.logs.access(gateway.service, self.command, path, status,
                                    (time.perf_counter() - started) * 1000)
                return
            answer = gateway.handle(self.command, self.path, list(self.headers.items()), body,
                                    self.client_address[0])
            self._send(answer, started)

        def _send(self, answer: HttpAnswer, started: float, *, close: bool = False) -> None:
            self.send_response(answer.status)
            for name, value in answer.headers:
                if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            if close:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(answer.body)
            path = (getattr(self, "path", None) or "-").split("?")[0]
            gateway.logs.access(gateway.service, self.command or "-", path, answer.status,
                                (time.perf_counter() - started) * 1000)

        def __getattr__(self, name: str) -> Any:
            """Every method reaches `_serve` (which answers unknown ones as API Gateway does), never a 501 page."""
            if name.startswith("do_"):
                return self._serve
            raise AttributeError(name)

        def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
            """What http.server says about a request it cannot parse, in API Gateway's JSON instead of HTML."""
            if code in (HTTPStatus.REQUEST_URI_TOO_LONG, HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE):
                status, payload = 431, HEADERS_TOO_LARGE
            elif code == HTTPStatus.NOT_IMPLEMENTED:
                status, payload = 404, NOT_FOUND
            else:
                status, payload = int(code), {"message": HTTPStatus(code).phrase}
            if not (self.request_version or "").startswith("HTTP/1."):
                self.request_version = "HTTP/1.1"  # else http.server would leave out the status line
            self.close_connection = True
            self._send(_json_answer(status, payload), time.perf_counter(), close=True)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler
