"""An API Gateway WebSocket API on the service's local port, with its `@connections` management API.

Clients connect with a WebSocket upgrade on one of the API's local paths (`Metadata.LocalDev.Paths` maps a path
to a stage; default `/<stage>`). The gateway then does what API Gateway does: `$connect` is invoked with the
handshake's headers and query (a non-2xx answer refuses the connection with that status), each text message is
routed by the API's selection expression (`$request.body.action`) to its route or `$default`, a two-way route's
answer body goes back to the client, and `$disconnect` is invoked when the connection ends. Ping/pong and close
frames are handled by the gateway itself; a binary frame closes the connection with 1003, as API Gateway does
(it passes text frames only). Functions push with `PostToConnection` on
`<origin>/<stage>/@connections/<id>` (POST sends, GET describes, DELETE closes); the local stack rewrites the
execute-api origin in their environment to this port, so boto3's `apigatewaymanagementapi` client just works.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import secrets
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from devstack.logs import LogSink
from devstack.runtime import FunctionRuntime
from devstack.template import ACCOUNT_ID, WebSocketApiSpec

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_MESSAGE_BYTES = 128 * 1024  # API Gateway's WebSocket message limit
OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


class ConnectionGone(Exception):
    pass


@dataclass
class Connection:
    connection_id: str
    stage: str
    sock: socket.socket
    source_ip: str
    user_agent: str
    connected_at: float = field(default_factory=time.time)
    last_active_at: float = field(default_factory=time.time)
    lock: threading.Lock = field(default_factory=threading.Lock)
    open: bool = True

    def send(self, opcode: int, payload: bytes) -> None:
        header = bytes([0x80 | opcode])
        size = len(payload)
        if size < 126:
            header += bytes([size])
        elif size < 1 << 16:
            header += bytes([126]) + struct.pack("!H", size)
        else:
            header += bytes([127]) + struct.pack("!Q", size)
        with self.lock:
            if not self.open:
                raise ConnectionGone(self.connection_id)
            try:
                self.sock.sendall(header + payload)
            except OSError as exc:
                self.open = False
                raise ConnectionGone(self.connection_id) from exc

    def close(self, code: int = 1000) -> None:
        with contextlib.suppress(ConnectionGone):
            self.send(OP_CLOSE, struct.pack("!H", code))
        with self.lock:
            self.open = False
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)


def read_frame(stream: Any) -> tuple[bool, int, bytes]:
    """(fin, opcode, payload) of one client frame; client frames are always masked."""
    head = _read_exact(stream, 2)
    fin, opcode = bool(head[0] & 0x80), head[0] & 0x0F
    masked, size = bool(head[1] & 0x80), head[1] & 0x7F
    if size == 126:
        size = struct.unpack("!H", _read_exact(stream, 2))[0]
    elif size == 127:
        size = struct.unpack("!Q", _read_exact(stream, 8))[0]
    if size > MAX_MESSAGE_BYTES:
        raise ValueError("frame too large")
    mask = _read_exact(stream, 4) if masked else b"\0\0\0\0"
    data = _read_exact(stream, size)
    return fin, opcode, bytes(b ^ mask[i % 4] for i, b in enumerate(data))


def _read_exact(stream: Any, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = stream.read(size - len(data))
        if not chunk:
            raise ConnectionGone("client went away")
        data += chunk
    return data


class WebSocketGateway:
    """One WebSocket API: its connections, its routes, and its management endpoint."""

    def __init__(self, *, service: str, api: WebSocketApiSpec, runtimes: dict[str, FunctionRuntime],
                 logs: LogSink) -> None:
        self.service = service
        self.api = api
        self.runtimes = runtimes  # by function logical id
        self.logs = logs
        self.connections: dict[str, Connection] = {}
        self._lock = threading.Lock()

    # --- what this gateway answers -----------------------------------------------------------------------
    def stage_for(self, path: str) -> str | None:
        return self.api.paths.get(path.rstrip("/") or "/")

    def management_target(self, path: str) -> tuple[str, str] | None:
        """`/<stage>/@connections/<id>` → (stage, connection id)."""
        parts = path.strip("/").split("/")
        if len(parts) == 3 and parts[1] == "@connections" and parts[0] in self.api.paths.values():
            return parts[0], unquote(parts[2])
        return None

    # --- connections ----------------------------------------------------------------------------------------
    def serve_connection(self, handler: BaseHTTPRequestHandler, stage: str) -> None:
        headers = {k.lower(): v for k, v in handler.headers.items()}
        key = headers.get("sec-websocket-key")
        if headers.get("upgrade", "").lower() != "websocket" or not key:
            _plain(handler, 426, {"message": "Upgrade Required"})
            return
        connection_id = base64.b64encode(secrets.token_bytes(12)).decode()
        query = dict(parse_qsl(urlsplit(handler.path).query, keep_blank_values=True))
        event = self._event("$connect", "CONNECT", connection_id, stage, handler.client_address[0],
                            headers=headers, query=query)
        if "$connect" in self.api.routes:
            answer = self._invoke("$connect", event)
            status = int(answer.get("statusCode", 200)) if isinstance(answer, dict) else 200
            if answer is _FAILED or status >= 300:
                _plain(handler, status if answer is not _FAILED else 500, {"message": "Forbidden"})
                self.logs.system(f"ws {self.service} connect refused ({status})")
                return
        accept = base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode()  # noqa: S324
        handler.send_response(101, "Switching Protocols")
        handler.send_header("Upgrade", "websocket")
        handler.send_header("Connection", "Upgrade")
        handler.send_header("Sec-WebSocket-Accept", accept)
        handler.end_headers()
        handler.wfile.flush()
        connection = Connection(connection_id, stage, handler.connection, handler.client_address[0],
                                headers.get("user-agent", ""))
        with self._lock:
            self.connections[connection_id] = connection
        self.logs.system(f"ws {self.service} connected {connection_id} ({stage})")
        try:
            self._read_loop(handler, connection)
        finally:
            with self._lock:
                self.connections.pop(connection_id, None)
            connection.open = False
            if "$disconnect" in self.api.routes:
                self._invoke("$disconnect", self._event("$disconnect", "DISCONNECT", connection_id, stage,
                                                        connection.source_ip))
            self.logs.system(f"ws {self.service} disconnected {connection_id}")
            handler.close_connection = True

    def _read_loop(self, handler: BaseHTTPRequestHandler, connection: Connection) -> None:
        message, message_opcode = b"", OP_TEXT
        while connection.open:
            try:
                fin, opcode, payload = read_frame(handler.rfile)
            except (ConnectionGone, OSError):
                return
            except ValueError:
                connection.close(1009)
                return
            connection.last_active_at = time.time()
            if opcode == OP_PING:
                connection.send(OP_PONG, payload)
                continue
            if opcode == OP_PONG:
                continue
            if opcode == OP_CLOSE:
                connection.close()
                return
            if opcode == OP_BINARY:
                # API Gateway WebSocket APIs take text frames only: a binary frame closes the connection (1003)
                connection.close(1003)
                return
            if opcode != OP_CONTINUATION:
                message, message_opcode = b"", opcode
            message += payload
            if len(message) > MAX_MESSAGE_BYTES:
                connection.close(1009)
                return
            if fin:
                self._dispatch(connection, message, binary=message_opcode == OP_BINARY)
                message = b""

    def _dispatch(self, connection: Connection, message: bytes, *, binary: bool) -> None:
        body = base64.b64encode(message).decode() if binary else message.decode("utf-8", errors="replace")
        route_key = self._select_route(body if not binary else "")
        if route_key is None:
            self._send_error(connection, "Forbidden")
            return
        event = self._event(route_key, "MESSAGE", connection.connection_id, connection.stage, connection.source_ip,
                            body=body, binary=binary)
        answer = self._invoke(route_key, event)
        if answer is _FAILED:
            self._send_error(connection, "Internal server error")
            return
        if self.api.routes[route_key].two_way and isinstance(answer, dict) and answer.get("body") is not None:
            try:
                connection.send(OP_TEXT, str(answer["body"]).encode("utf-8"))
            except ConnectionGone:
                return

    def _select_route(self, body: str) -> str | None:
        expression = self.api.selection_expression
        if expression.startswith("$request.body."):
            field_name = expression.removeprefix("$request.body.")
            try:
                value = json.loads(body).get(field_name)
            except (ValueError, AttributeError):
                value = None
            if isinstance(value, str) and value in self.api.routes:
                return value
        return "$default" if "$default" in self.api.routes else None

    def _send_error(self, connection: Connection, message: str) -> None:
        payload = {"message": message, "connectionId": connection.connection_id, "requestId": secrets.token_hex(8)}
        with contextlib.suppress(ConnectionGone):
            connection.send(OP_TEXT, json.dumps(payload).encode())

    def _invoke(self, route_key: str, event: dict[str, Any]) -> Any:
        runtime = self.runtimes[self.api.routes[route_key].function]
        invocation = runtime.invoke(event)
        if not invocation.ok:
            self.logs.system(f"ws {self.service} {route_key} failed: {invocation.error.get('errorMessage')}")
            return _FAILED
        return invocation.result

    def _event(self, route_key: str, event_type: str, connection_id: str, stage: str, source_ip: str, *,
               headers: dict[str, str] | None = None, query: dict[str, str] | None = None, body: str | None = None,
               binary: bool = False) -> dict[str, Any]:
        now = time.time()
        context = {
            "routeKey": route_key,
            "eventType": event_type,
            "messageDirection": "IN",
            "stage": stage,
            "connectedAt": int(self.connections[connection_id].connected_at * 1000)
            if connection_id in self.connections else int(now * 1000),
            "requestTimeEpoch": int(now * 1000),
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "identity": {"sourceIp": source_ip},
            "requestId": base64.b32encode(secrets.token_bytes(10)).decode().rstrip("="),
            "extendedRequestId": secrets.token_hex(8),
            "domainName": f"{self.api.api_id}.execute-api.us-east-1.amazonaws.com",
            "connectionId": connection_id,
            "apiId": self.api.api_id,
            "accountId": ACCOUNT_ID,
        }
        if event_type == "MESSAGE":
            context["messageId"] = secrets.token_hex(8)
        event: dict[str, Any] = {"requestContext": context, "isBase64Encoded": binary}
        if headers is not None:
            event["headers"] = headers
            event["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
        if query:
            event["queryStringParameters"] = query
            event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()}
        if body is not None:
            event["body"] = body
        return event

    # --- the @connections management API ---------------------------------------------------------------------
    def manage(self, handler: BaseHTTPRequestHandler, connection_id: str, body: bytes) -> None:
        with self._lock:
            connection = self.connections.get(connection_id)
        if connection is None or not connection.open:
            _plain(handler, 410, {"message": "Gone"})
            return
        if handler.command == "POST":
            if len(body) > MAX_MESSAGE_BYTES:
                _plain(handler, 413, {"message": "Payload Too Large"})
                return
            try:
                connection.send(OP_TEXT, body)
            except ConnectionGone:
                _plain(handler, 410, {"message": "Gone"})
                return
            _plain(handler, 200, None)
        elif handler.command == "GET":
            _plain(handler, 200, {
                "ConnectedAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(connection.connected_at)),
                "LastActiveAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(connection.last_active_at)),
                "Identity": {"SourceIp": connection.source_ip, "UserAgent": connection.user_agent},
            })
        elif handler.command == "DELETE":
            connection.close(1000)
            _plain(handler, 204, None)
        else:
            _plain(handler, 405, {"message": "Method Not Allowed"})

    def close_all(self) -> None:
        with self._lock:
            connections = list(self.connections.values())
        for connection in connections:
            connection.close(1001)


_FAILED = object()


def _plain(handler: BaseHTTPRequestHandler, status: int, payload: Any) -> None:
    body = json.dumps(payload).encode() if payload is not None else b""
    handler.send_response(status)
    if body:
        handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def rewrite_execute_api(environment: dict[str, str], origins: dict[str, str]) -> dict[str, str]:
    """Point execute-api URLs in a function's environment at the local gateway that plays that API."""
    rewritten = {}
    for name, value in environment.items():
        text = value
        for origin, local in origins.items():
            text = text.replace(origin, local)
        rewritten[name] = text
    return rewritten

