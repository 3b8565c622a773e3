"""A Socket.IO server built on suite.socketio, served by the local stack's own API Gateway emulation: the HTTP
API gateway (polling route `ANY /socket.io`) and the WebSocket API gateway (`/socket.io` → stage `live`, with
its `@connections` management API) on one local port, both calling the real Lambda handlers of
suite.socketio.gateway in process. Pushes go through suite.push (boto3's apigatewaymanagementapi client) to the
gateway's `@connections` endpoint, as a deployed function's would.

Every invocation is recorded (`stack.conversation`) so tests can read the exchange a real client had.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from devstack.http_gateway import HttpApiGateway, RouteTable
from devstack.logs import LogSink
from devstack.runtime import Invocation
from devstack.template import HttpApiSpec, HttpRoute, WebSocketApiSpec, WebSocketRoute
from devstack.ws_gateway import WebSocketGateway
from suite import push
from suite.socketio import Engine, EngineConfig, MemoryStore, Refuse, Socket
from suite.socketio import gateway as sio_gateway

STAGE = "live"


class PushOutlet:
    """The engine's Outlet through the management API (what a service's store would do)."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.sent: list[tuple[str, str]] = []

    def send(self, connection_id: str, frames: Sequence[str]) -> bool:
        for frame in frames:
            if not push.post(self.endpoint, connection_id, frame.encode("utf-8")):
                return False
            self.sent.append((connection_id, frame))
        return True

    def close(self, connection_id: str) -> None:
        push.close(self.endpoint, connection_id)


@dataclass
class DemoApp:
    """A small application: greets on connect, echoes, acknowledges sums, refuses when asked to."""

    engine: Engine | None = None
    members: dict[tuple[str, str], str] = field(default_factory=dict)  # (sid, namespace) → socket id
    left: list[tuple[str, str, str]] = field(default_factory=list)  # (sid, namespace, reason)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handshake(self, query: Any, headers: Any) -> dict[str, Any]:
        return {"room": query.get("room", "lobby"), "agent": headers.get("user-agent", "")[:40]}

    def connect(self, socket: Socket, auth: Any) -> None:
        if isinstance(auth, dict) and auth.get("refuse"):
            raise Refuse("not welcome", {"why": auth["refuse"]})
        with self.lock:
            self.members[(socket.sid, socket.namespace)] = socket.id
        socket.emit("welcome", {"namespace": socket.namespace, "room": socket.handshake["room"], "auth": auth})

    def event(self, socket: Socket, name: str, args: list[Any]) -> list[Any] | None:
        if name == "echo":
            socket.emit("echo", *args)
            return None
        if name == "add":
            return [sum(args)]
        if name == "shout":
            assert self.engine is not None
            with self.lock:
                targets = list(self.members)
            self.engine.emit_many(targets, "heard", {"from": socket.id, "text": args[0]})
            return ["sent"]
        if name == "leave":
            socket.disconnect()
        return None

    def disconnect(self, socket: Socket, reason: str) -> None:
        with self.lock:
            self.members.pop((socket.sid, socket.namespace), None)
            self.left.append((socket.sid, socket.namespace, reason))


class _Context:
    function_name = "SocketFunction"
    memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:SocketFunction"

    def __init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())
        self._deadline = time.monotonic() + 29

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - time.monotonic()) * 1000)


class InProcessFunction:
    """Stands in for devstack's FunctionRuntime: calls a handler in this process and records the exchange."""

    def __init__(self, name: str, handler: Any, conversation: list[tuple[str, dict[str, Any], Any]]) -> None:
        self.name = name
        self.handler = handler
        self.conversation = conversation
        self.spec = type("Spec", (), {"timeout": 30, "logical_id": name})()
        self.invocations = 0

    def invoke(self, event: Any, *, timeout: float | None = None) -> Invocation:
        request_id = str(uuid.uuid4())
        self.invocations += 1
        try:
            result = self.handler(event, _Context())
        except Exception as exc:  # a failing handler is an answer, as with Lambda
            self.conversation.append((self.name, event, exc))
            return Invocation(request_id, error={"errorType": type(exc).__name__, "errorMessage": str(exc)})
        self.conversation.append((self.name, event, result))
        return Invocation(request_id, result=result)


@dataclass
class SocketStack:
    url: str
    engine: Engine
    app: DemoApp
    store: MemoryStore
    outlet: PushOutlet
    conversation: list[tuple[str, dict[str, Any], Any]]
    websocket: WebSocketGateway

    def polling_exchange(self) -> list[tuple[str, str, str]]:
        """(method, query, answer body) of every polling request, in order."""
        found = []
        for name, event, result in self.conversation:
            if name == "Poll" and isinstance(result, dict):
                method = event["requestContext"]["http"]["method"]
                found.append((method, event.get("rawQueryString", ""), str(result.get("body", ""))))
        return found

    def websocket_exchange(self) -> list[tuple[str, str, str | None]]:
        """(route, frame received, route response) of every WebSocket invocation, in order."""
        found = []
        for name, event, result in self.conversation:
            if name == "Socket" and isinstance(result, dict):
                found.append((event["requestContext"]["routeKey"], event.get("body", ""), result.get("body")))
        return found


@contextmanager
def socket_stack(config: EngineConfig) -> Iterator[SocketStack]:
    conversation: list[tuple[str, dict[str, Any], Any]] = []
    store = MemoryStore()
    app = DemoApp()
    outlet = PushOutlet("http://127.0.0.1:1/live")  # the port is known once the gateway listens
    engine = Engine(store=store, app=app, outlet=outlet, config=config)
    app.engine = engine

    greeters: list[threading.Thread] = []

    def greet(connection_id: str) -> None:
        """What a queue consumer does after a websocket-only $connect: greet once the connection is open."""
        def later() -> None:
            for _ in range(100):
                if engine.greet(connection_id) != "retry":
                    return
                time.sleep(0.02)
        greeters.append(threading.Thread(target=later, daemon=True))
        greeters[-1].start()

    poll = InProcessFunction("Poll", sio_gateway.polling_handler(lambda: engine), conversation)
    sock = InProcessFunction("Socket", sio_gateway.websocket_handler(lambda: engine, greet=greet), conversation)
    ws_api = WebSocketApiSpec(
        logical_id="LiveApi", api_id="sioapi0001", selection_expression="$request.body.action",
        routes={"$connect": WebSocketRoute("$connect", "Socket", False),
                "$disconnect": WebSocketRoute("$disconnect", "Socket", False),
                "$default": WebSocketRoute("$default", "Socket", True)},
        paths={"/socket.io": STAGE, "/live": STAGE})
    logs = LogSink(quiet=True)
    websocket = WebSocketGateway(service="sio", api=ws_api, runtimes={"Socket": sock}, logs=logs)  # type: ignore[dict-item]
    table = RouteTable()
    table.add(HttpRoute("ANY", "/socket.io", "Api", "Poll"), poll)  # type: ignore[arg-type]
    http = HttpApiGateway(service="sio", api=HttpApiSpec("Api", {"AllowOrigins": ["*"]}), table=table,
                          host="127.0.0.1", port=0, logs=logs, websockets=[websocket])
    http.start()
    outlet.endpoint = f"http://127.0.0.1:{http.port}/{STAGE}"
    try:
        yield SocketStack(f"http://127.0.0.1:{http.port}", engine, app, store, outlet, conversation, websocket)
    finally:
        for greeter in greeters:
            greeter.join()
        websocket.close_all()
        http.stop()
