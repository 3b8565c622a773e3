"""An API Gateway HTTP API on a localhost port: routes from the template, payload format 2.0 events.

Each request is matched against the service's `HttpApi` routes with API Gateway's precedence (literal
segments before `{param}` before `{greedy+}`, a specific method before ANY), turned into the same event API
Gateway sends (`version: "2.0"`, routeKey, rawPath, rawQueryString, cookies, lower-case headers, path and query
parameters, requestContext.http, base64 for binary bodies) and handed to the route's real Lambda handler in
its worker process. The function's answer is mapped back the way API Gateway maps it, CORS preflights are
answered by the gateway from the template's CorsConfiguration, and unknown routes get API Gateway's 404.
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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from devstack.logs import LogSink
from devstack.runtime import FunctionRuntime, Invocation
from devstack.template import ACCOUNT_ID, HttpApiSpec, HttpRoute
from devstack.ws_gateway import WebSocketGateway

MAX_REQUEST_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript",
               "application/x-www-form-urlencoded", "application/problem+json", "+json", "+xml")


@dataclass
class BoundRoute:
    route: HttpRoute
    runtime: FunctionRuntime
    pattern: re.Pattern[str]
    rank: tuple[Any, ...]

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

    def add(self, route: HttpRoute, runtime: FunctionRuntime) -> None:
        if route.path == "$default":
            self.default = BoundRoute(route, runtime, re.compile(".*"), ())
            return
        pattern, rank = compile_path(route.path)
        self.routes.append(BoundRoute(route, runtime, pattern, rank))

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


def answer_from_invocation(invocation: Invocation) -> HttpAnswer:
    """Map a function's result the way API Gateway does for payload format 2.0."""
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


class HttpApiGateway:
    """One service's HTTP API on one port."""

    def __init__(self, *, service: str, api: HttpApiSpec, table: RouteTable, host: str, port: int,
                 logs: LogSink, websockets: list[WebSocketGateway] | None = None) -> None:
        self.service = service
        self.api = api
        self.table = table
        self.websockets = websockets or []  # WebSocket APIs served on the same port
        self.cors = Cors(api.cors)
        self.logs = logs
        self.api_id = f"{service}-local"
        self.server = _QuietServer((host, port), _handler_class(self))
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
            return _json_answer(413, {"message": "Request Entity Too Large"})
        bound, params, _ = self.table.match(method, path)
        if bound is None:
            answer = _json_answer(404, {"message": "Not Found"})
        else:
            event = build_event(method=method, raw_path=path, raw_query=raw_query, headers=headers, body=body,
                                route_key=bound.route_key if bound.route.path != "$default" else "$default",
                                path_parameters=params, source_ip=source_ip, api_id=self.api_id)
            answer = answer_from_invocation(bound.runtime.invoke(event))
            answer.headers.append(("apigw-requestid", event["requestContext"]["requestId"]))
        self.cors.decorate(origin, answer)
        return answer


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-request is normal (closed WebSockets, aborted curls): no traceback."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def _handler_class(gateway: HttpApiGateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "devstack-apigw"

        def _serve(self) -> None:
            started = time.perf_counter()
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
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
            answer = gateway.handle(self.command, self.path, list(self.headers.items()), body,
                                    self.client_address[0])
            self.send_response(answer.status)
            for name, value in answer.headers:
                if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(answer.body)
            gateway.logs.access(gateway.service, self.command, self.path.split("?")[0], answer.status,
                                (time.perf_counter() - started) * 1000)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler

