"""A Socket.IO v5 server (over Engine.IO v4) as a state machine over stored sessions: every entry point is one
stateless request (a Lambda invocation) that loads a session, acts, and stores it again.

Entry points, by transport:

- HTTP long-polling (one HTTP API route, `GET|POST /socket.io/`): `polling(method, query, body)`.
  `GET` without sid is the handshake (the `open` packet); `GET` with sid waits for packets up to
  `poll_wait_ms` (bounded by the Lambda's remaining time, and by API Gateway's 30 s); `POST` carries packets.
- WebSocket (an API Gateway WebSocket API, text frames): `ws_connect` ($connect, with the query string),
  `ws_message` ($default, one frame; the answer frames go back on the same connection), `ws_disconnect`.
  A websocket-only client waits for the `open` packet, which API Gateway cannot deliver before `$connect` has
  returned: `ws_connect` says `greet=True` and the service calls `greet(connection_id)` a moment later (from a
  queue consumer), retrying while it answers "retry".
- Producers (a stream consumer, another client's request): `emit`, `emit_many`, `close`.
- Heartbeats (a scheduled sweep): `sweep()`; pings websocket sessions and closes the silent ones.

The engine knows no service: an Application decides who may connect to a namespace and what events do.
Transport-specific sending to WebSocket connections goes through an Outlet (the service's PostToConnection /
DeleteConnection), and sessions live in a SessionStore (see session.py).
"""

from __future__ import annotations

import contextvars
import json
import logging
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, Protocol

from suite.socketio.packets import (
    PROTOCOL,
    EnginePacket,
    EngineType,
    ProtocolError,
    SocketPacket,
    SocketType,
    decode_packet,
    decode_payload,
    decode_socket,
    encode_payload,
    event,
    open_packet,
)
from suite.socketio.session import POLLING, WEBSOCKET, Session, SessionStore

log = logging.getLogger("suite.socketio")

TEXT = "text/plain; charset=UTF-8"
JSON = "application/json"
ENGINE_QUERY = ("EIO", "transport", "sid", "t", "j", "b64")
LEASE_GRACE_MS = 5_000  # a GET's lease outlives its wait by this much (the answer still has to travel)
MAX_SAVE_ATTEMPTS = 5

# Engine.IO's HTTP error answers (400 with {"code", "message"}), as the reference server sends them.
UNKNOWN_TRANSPORT = (0, "Transport unknown")
UNKNOWN_SID = (1, "Session ID unknown")
BAD_HANDSHAKE_METHOD = (2, "Bad handshake method")
BAD_REQUEST = (3, "Bad request")
FORBIDDEN = (4, "Forbidden")
UNSUPPORTED_PROTOCOL = (5, "Unsupported protocol version")


class Refuse(Exception):
    """Raised by Application.connect to refuse a namespace: the client gets CONNECT_ERROR {message, data?}.
    Raised by Application.handshake to refuse a session: the handshake is answered 403."""

    def __init__(self, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.data = data


class Application(Protocol):
    """What the service decides. Callbacks run inside one request; `socket.emit` reaches this client, and
    `engine.emit(sid, ...)` any other (or this) client."""

    def handshake(self, query: Mapping[str, str], headers: Mapping[str, str]) -> Mapping[str, Any]:
        """What to keep of a new session's handshake (its query minus Engine.IO's own parameters), stored with
        the session and shown as `socket.handshake`. Keep it small, and keep no secrets in clear."""

    def connect(self, socket: Socket, auth: Any) -> None:
        """A client joins a namespace (with the CONNECT packet's auth payload, or None); raise Refuse to say no.
        Emits made here reach the client after the CONNECT answer."""

    def event(self, socket: Socket, name: str, args: list[Any]) -> list[Any] | None:
        """An event from the client; a list is the acknowledgement's arguments (sent only if the client asked
        for one), None means no acknowledgement."""

    def disconnect(self, socket: Socket, reason: str) -> None:
        """The client left the namespace: `client namespace disconnect`, `server namespace disconnect`,
        `transport close`, `ping timeout`, `parse error`, `transport error` or `server shutting down`."""


class Outlet(Protocol):
    """Frames to API Gateway WebSocket connections (PostToConnection per frame; DeleteConnection)."""

    def send(self, connection_id: str, frames: Sequence[str]) -> bool:
        """Send each frame in order; False when the connection is gone (410)."""

    def close(self, connection_id: str) -> None:
        """Close the connection from the server side (already gone is fine)."""


@dataclass(frozen=True)
class EngineConfig:
    ping_interval_ms: int = 25_000
    ping_timeout_ms: int = 20_000
    max_payload: int = 100_000  # bytes of a POST body; also told to clients in the open packet
    upgrades: tuple[str, ...] = ("websocket",)  # what a polling handshake offers; () where no upgrade can work
    namespaces: tuple[str, ...] = ("/",)  # namespaces clients may join (others get "Invalid namespace")
    poll_wait_ms: int = 20_000  # longest wait of a polling GET (API Gateway gives an integration 30 s)
    poll_checks_ms: tuple[int, ...] = (50, 100, 200, 400, 800, 1_000)  # pauses between reads; the last repeats
    max_queued: int = 100  # packets a polling session may have waiting
    connect_timeout_ms: int = 45_000  # a session that joined no namespace by then is closed
    greet_window_ms: int = 10_000  # how long a websocket-only session may wait for its open packet
    sweep_slack_ms: int = 10_000  # pings go out this much early, so a per-minute sweep never pings too late
    grace_s: int = 120  # TTL margin beyond the heartbeat window
    connection_ttl_s: int = 2 * 3600 + 300  # API Gateway closes a WebSocket after two hours
    keep_headers: tuple[str, ...] = ("user-agent",)  # handshake headers handed to Application.handshake


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    body: str
    content_type: str = TEXT


@dataclass(frozen=True)
class Accepted:
    """The `$connect` answer: the status to give API Gateway, and whether to `greet` the connection next."""

    status: int
    greet: bool = False


class Socket:
    """One client's socket in one namespace, as the application sees it during a callback."""

    def __init__(self, engine: Engine, session: Session, namespace: str, socket_id: str) -> None:
        self._engine = engine
        self.sid = session.sid
        self.id = socket_id
        self.namespace = namespace
        self.handshake: Mapping[str, Any] = dict(session.handshake)
        self.transport = session.transport

    def emit(self, name: str, *args: Any) -> bool:
        """Send an event to this client in this namespace."""
        return self._engine.emit(self.sid, self.namespace, name, *args)

    def disconnect(self) -> None:
        """Leave the namespace from the server side (the client gets DISCONNECT)."""
        self._engine.disconnect_namespace(self.sid, self.namespace)

    def __repr__(self) -> str:
        return f"Socket(sid={self.sid!r}, namespace={self.namespace!r}, id={self.id!r})"


class _Request:
    """One request's view of a session: the changes it made (replayed on a version conflict) and the frames
    it has for its own client."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.base_version = session.version
        self.ops: list[Callable[[Session], None]] = []
        self.out: list[str] = []
        self.held: list[str] | None = None  # frames emitted while a namespace CONNECT is being decided
        self.ended: str | None = None  # close reason, once the request closed the session

    def change(self, op: Callable[[Session], None]) -> None:
        op(self.session)
        self.ops.append(op)

    def send(self, frame: str) -> None:
        (self.held if self.held is not None else self.out).append(frame)


_CURRENT: contextvars.ContextVar[_Request | None] = contextvars.ContextVar("socketio_request", default=None)


def _set(**values: Any) -> Callable[[Session], None]:
    def op(session: Session) -> None:
        for name, value in values.items():
            setattr(session, name, value)
    return op


def _join(namespace: str, socket_id: str) -> Callable[[Session], None]:
    def op(session: Session) -> None:
        session.namespaces.setdefault(namespace, socket_id)
    return op


def _leave(namespace: str) -> Callable[[Session], None]:
    def op(session: Session) -> None:
        session.namespaces.pop(namespace, None)
    return op


def error_answer(code: tuple[int, str], status: int = 400) -> HttpAnswer:
    return HttpAnswer(status, json.dumps({"code": code[0], "message": code[1]}), JSON)


def _refused_polling(method: str, query: Mapping[str, str]) -> HttpAnswer | None:
    """The Engine.IO error for a polling request that is not one, if it is not."""
    if query.get("EIO") != PROTOCOL:
        return error_answer(UNSUPPORTED_PROTOCOL)
    if query.get("transport") != POLLING:
        return error_answer(UNKNOWN_TRANSPORT)
    if "j" in query:  # JSONP polling (very old browsers) is not offered
        return error_answer(BAD_REQUEST)
    if "sid" not in query and method != "GET":
        return error_answer(BAD_HANDSHAKE_METHOD)
    if method not in ("GET", "POST"):
        return error_answer(BAD_REQUEST)
    return None


class Engine:
    def __init__(self, *, store: SessionStore, app: Application, outlet: Outlet | None = None,
                 config: EngineConfig | None = None, clock: Callable[[], int] | None = None,
                 sleep: Callable[[float], None] = time.sleep, new_id: Callable[[], str] | None = None) -> None:
        self.store = store
        self.app = app
        self.outlet = outlet
        self.config = config or EngineConfig()
        self.clock = clock or (lambda: int(time.time() * 1000))
        self.sleep = sleep
        self.new_id = new_id or (lambda: secrets.token_urlsafe(15))

    # ================================================================================ HTTP long-polling

    def polling(self, method: str, query: Mapping[str, str], body: str = "",
                headers: Mapping[str, str] | None = None, *, budget_ms: int | None = None) -> HttpAnswer:
        """One request on the polling route; `budget_ms` is how long this invocation may still run."""
        refused = _refused_polling(method, query)
        if refused is not None:
            return refused
        sid = query.get("sid")
        if sid is None:
            return self._open_polling(query, headers or {})
        if method == "GET":
            return self._poll(sid, budget_ms)
        return self._post(sid, body)

    def _open_polling(self, query: Mapping[str, str], headers: Mapping[str, str]) -> HttpAnswer:
        try:
            kept = self._handshake(query, headers)
        except Refuse:
            return error_answer(FORBIDDEN, 403)
        now = self.clock()
        session = self._create(Session(
            sid="", transport=POLLING, created_ms=now, last_seen_ms=now, expires_at=self._polling_expiry(now),
            handshake=kept, ping_ms=now, due_ms=now + min(self.config.connect_timeout_ms, self._window())))
        return HttpAnswer(200, self._open_packet(session.sid, self.config.upgrades))

    def _poll(self, sid: str, budget_ms: int | None) -> HttpAnswer:
        config = self.config
        now = self.clock()
        wait = config.poll_wait_ms if budget_ms is None else max(0, min(config.poll_wait_ms, budget_ms - 2_000))
        poll_id = self.new_id()
        session = self.store.begin_poll(sid, poll_id, now_ms=now, until_ms=now + wait + LEASE_GRACE_MS,
                                        due_ms=now + wait + LEASE_GRACE_MS + self._window(),
                                        expires_at=self._polling_expiry(now + wait))
        if session is None:
            current = self.store.get(sid)
            if current is None or current.closed or current.transport != POLLING:
                return error_answer(UNKNOWN_SID)
            # Another GET holds the lease: "the server MUST return an HTTP 400 error status and close the
            # session" (the waiting GET then answers with a close packet).
            self._close_stored(current, "transport error")
            return error_answer(BAD_REQUEST)
        # The wait ends when a ping is due: the client's heartbeat timer (pingInterval + pingTimeout) only
        # restarts on a ping, and a ping can only travel in a GET's answer.
        deadline = min(now + wait, max(now, session.ping_ms + config.ping_interval_ms))
        pauses = self._pauses()
        latest: Session | None = session
        while latest is not None and not self._poll_ready(latest) and self.clock() < deadline:
            self.sleep(min(next(pauses), max(0, deadline - self.clock())) / 1000)
            latest = self.store.get(sid, consistent=False)
        now = self.clock()
        ping_due = latest is not None and not latest.closed and now - latest.ping_ms >= config.ping_interval_ms
        taken = self.store.end_poll(sid, poll_id, ping_ms=now if ping_due else None)
        if taken is None:
            return error_answer(UNKNOWN_SID)
        frames = list(taken)
        if latest is not None and latest.closed:
            frames.append(EnginePacket(EngineType.NOOP if latest.close_reason == "client"
                                       else EngineType.CLOSE).encode())
        elif ping_due:
            frames.append(EnginePacket(EngineType.PING).encode())
        return HttpAnswer(200, encode_payload(frames or [EnginePacket(EngineType.NOOP).encode()]))

    @staticmethod
    def _poll_ready(session: Session) -> bool:
        # (a lost lease is not looked for here: the reads are eventually consistent, and end_poll tells)
        return bool(session.outbox) or session.closed or session.probe_connection is not None

    def _pauses(self) -> Iterator[int]:
        checks = self.config.poll_checks_ms or (1_000,)
        yield from checks
        while True:
            yield checks[-1]

    def _post(self, sid: str, body: str) -> HttpAnswer:
        session = self.store.get(sid)
        if session is None or session.closed:
            return error_answer(UNKNOWN_SID)
        if session.transport != POLLING:
            return error_answer(BAD_REQUEST)
        if len(body.encode("utf-8")) > self.config.max_payload:
            self._close_stored(session, "transport error")
            return HttpAnswer(413, "Payload Too Large")
        try:
            packets = decode_payload(body)
        except ProtocolError as exc:
            log.info("socket.io session %s: %s", sid, exc)
            self._close_stored(session, "parse error")
            return error_answer(BAD_REQUEST)
        request = _Request(session)
        with self._serving(request):
            for packet in packets:
                if request.ended:
                    break
                self._engine_packet(request, packet, over=POLLING)
        self._finish(request)
        if request.ended == "parse error":
            return error_answer(BAD_REQUEST)
        return HttpAnswer(200, "ok")

    # ================================================================================ WebSocket

    def ws_connect(self, connection_id: str, query: Mapping[str, str],
                   headers: Mapping[str, str] | None = None) -> Accepted:
        """`$connect`: an upgrade of a polling session (`sid` in the query) or a websocket-only session."""
        if query.get("EIO") != PROTOCOL or query.get("transport") != WEBSOCKET:
            return Accepted(400)
        now = self.clock()
        sid = query.get("sid")
        if sid:
            session = self.store.get(sid)
            if session is None or session.closed or session.transport != POLLING:
                return Accepted(400)
            self.store.link(connection_id, sid, expires_at=now // 1000 + self.config.connection_ttl_s)
            return Accepted(200)
        try:
            kept = self._handshake(query, headers or {})
        except Refuse:
            return Accepted(403)
        session = self._create(Session(
            sid="", transport=WEBSOCKET, created_ms=now, last_seen_ms=now,
            expires_at=now // 1000 + self.config.connection_ttl_s, handshake=kept, connection_id=connection_id,
            ping_ms=now, greeted=False, due_ms=now + self.config.greet_window_ms))
        self.store.link(connection_id, session.sid, expires_at=session.expires_at)
        return Accepted(200, greet=True)

    def greet(self, connection_id: str) -> str:
        """Send a websocket-only session its open packet: "sent", "retry" (the connection is not open yet:
        try again shortly) or "gone"."""
        session = self._linked_session(connection_id)
        if session is None or session.closed:
            return "gone"
        if session.greeted:
            return "sent"
        now = self.clock()
        if not self._outlet().send(connection_id, [self._open_packet(session.sid, ())]):
            if now < session.created_ms + self.config.greet_window_ms:
                return "retry"
            self._close_stored(session, "transport close", close_connection=False)
            return "gone"
        request = _Request(session)
        request.change(_set(greeted=True, ping_ms=now,
                            due_ms=min(now + self._ping_wait(), now + self.config.connect_timeout_ms)))
        self._finish(request)
        return "sent"

    def ws_message(self, connection_id: str, text: str) -> list[str]:
        """`$default`: one frame from the client; the frames to send back on this connection, in order."""
        session = self._linked_session(connection_id)
        if session is None or session.closed:
            self.store.unlink(connection_id)
            self._outlet().close(connection_id)
            return []
        try:
            packet = decode_packet(text)
        except ProtocolError as exc:
            log.info("socket.io session %s: %s", session.sid, exc)
            if session.connection_id == connection_id:
                self._close_stored(session, "parse error")
            else:
                self.store.unlink(connection_id)
                self._outlet().close(connection_id)
            return []
        if session.transport == POLLING:
            return self._probe(session, connection_id, packet)
        if session.connection_id != connection_id:
            # "A client MUST NOT open more than one WebSocket connection per session": close the intruder.
            self.store.unlink(connection_id)
            self._outlet().close(connection_id)
            return []
        request = _Request(session)
        with self._serving(request):
            self._engine_packet(request, packet, over=WEBSOCKET)
        frames = self._finish(request, reply=True)
        if request.ended:
            self.store.unlink(connection_id)
            self._outlet().close(connection_id)
            return []
        return frames

    def _probe(self, session: Session, connection_id: str, packet: EnginePacket) -> list[str]:
        """A WebSocket connection upgrading a polling session: `2probe` → `3probe`, then `5` switches."""
        if packet.type == EngineType.PING and packet.data == "probe":
            request = _Request(session)
            request.change(_set(probe_connection=connection_id))  # a waiting GET ends with a noop
            self._finish(request)
            return [EnginePacket(EngineType.PONG, "probe").encode()]
        if packet.type != EngineType.UPGRADE:
            return []
        # API Gateway may deliver `5` before `2probe` has been handled: the link made at $connect is proof enough.
        now = self.clock()
        request = _Request(session)
        request.change(_set(transport=WEBSOCKET, connection_id=connection_id, probe_connection=None, pinged=False,
                            expires_at=now // 1000 + self.config.connection_ttl_s,
                            due_ms=session.ping_ms + self._ping_wait()))
        if self._save(request) is None:
            return []
        # Switched first, then drained: an append that lost the race now fails and pushes over the WebSocket.
        return self.store.take(session.sid)

    def ws_disconnect(self, connection_id: str) -> None:
        """`$disconnect`: the connection ended (the client left, or API Gateway closed it)."""
        sid = self.store.linked(connection_id)
        self.store.unlink(connection_id)
        session = self.store.get(sid) if sid else None
        if session is None or session.closed:
            return
        if session.transport == WEBSOCKET and session.connection_id == connection_id:
            self._close_stored(session, "transport close", close_connection=False)
        elif session.probe_connection == connection_id:
            request = _Request(session)
            request.change(_set(probe_connection=None))
            self._finish(request)

    # ================================================================================ producers

    def emit(self, sid: str, namespace: str, name: str, *args: Any) -> bool:
        """Send an event to one client in one namespace; False when that client is gone (forget it)."""
        return self._deliver(sid, [event(namespace, name, *args).message()], namespace=namespace)

    def emit_many(self, targets: Iterable[tuple[str, str]], name: str, *args: Any) -> dict[tuple[str, str], bool]:
        """The same event to many (sid, namespace) pairs, the sessions read in one batch; which were reached."""
        pairs = list(dict.fromkeys(targets))
        sessions = self.store.get_many({sid for sid, _ in pairs})
        frames = {ns: event(ns, name, *args).message() for _, ns in pairs}
        return {(sid, ns): self._deliver(sid, [frames[ns]], namespace=ns, session=sessions.get(sid), loaded=True)
                for sid, ns in pairs}

    def disconnect_namespace(self, sid: str, namespace: str) -> None:
        """Take a client out of a namespace from the server side."""
        current = _CURRENT.get()
        if current is not None and current.session.sid == sid:
            self._leave(current, namespace, "server namespace disconnect", tell_client=True)
            return
        session = self.store.get(sid)
        if session is None or session.closed or namespace not in session.namespaces:
            return
        request = _Request(session)
        with self._serving(request):
            self._leave(request, namespace, "server namespace disconnect", tell_client=True)
        self._finish(request)

    def close(self, sid: str, reason: str = "server shutting down") -> None:
        """End a session from the server side (a waiting GET answers with a close packet)."""
        session = self.store.get(sid)
        if session is not None and not session.closed:
            self._close_stored(session, reason)

    # ================================================================================ heartbeats

    def sweep(self, limit: int = 100) -> int:
        """Look at every session that is due (a scheduled job calls this, e.g. once a minute); how many."""
        sids = self.store.due(self.clock(), limit)
        for sid in sids:
            self.heartbeat(sid)
        return len(sids)

    def heartbeat(self, sid: str) -> None:
        """Ping a websocket session, close a silent one, or say when to look again."""
        session = self.store.get(sid)
        if session is None:
            return
        if session.closed:
            self.store.delete(sid)
            return
        now = self.clock()
        deadline = session.created_ms + self.config.connect_timeout_ms
        if not session.namespaces and now >= deadline:
            self._close_stored(session, "connect timeout")
            return
        check = self._polling_check if session.transport == POLLING else self._websocket_check
        changes = check(session, now)
        if changes is None:
            return
        if not session.namespaces:
            changes["due_ms"] = min(changes["due_ms"], deadline)
        request = _Request(session)
        request.change(_set(**changes))
        self._finish(request)
        # The ping is recorded before it is sent: its pong may come back before this request could store it.
        if changes.get("pinged") and not self._outlet().send(session.connection_id or "",
                                                             [EnginePacket(EngineType.PING).encode()]):
            self._close_stored(request.session, "transport close", close_connection=False)

    def _polling_check(self, session: Session, now: int) -> dict[str, Any] | None:
        """When to look at a polling session again; None when it was closed (no GET for too long)."""
        if session.poll_id is not None and (session.poll_until_ms or 0) >= now:
            return {"due_ms": (session.poll_until_ms or now) + self._window()}
        if now >= session.last_seen_ms + self._window():
            self._close_stored(session, "ping timeout")
            return None
        return {"due_ms": session.last_seen_ms + self._window()}

    def _websocket_check(self, session: Session, now: int) -> dict[str, Any] | None:
        """The changes to store for a websocket session (`pinged`: send a ping), or None when it was closed."""
        config = self.config
        if not session.greeted:
            limit, reason = session.created_ms + config.greet_window_ms, "transport close"
        elif session.pinged:
            limit, reason = session.ping_ms + config.ping_timeout_ms, "ping timeout"
        else:
            limit, reason = session.ping_ms + self._ping_wait(), None
        if now < limit:
            return {"due_ms": limit}
        if reason is not None:
            self._close_stored(session, reason)
            return None
        return {"ping_ms": now, "pinged": True, "due_ms": now + config.ping_timeout_ms}

    # ================================================================================ packets

    def _engine_packet(self, request: _Request, packet: EnginePacket, *, over: str) -> None:
        if packet.type == EngineType.MESSAGE:
            try:
                self._socket_message(request, packet.data)
            except ProtocolError as exc:
                log.info("socket.io session %s: %s", request.session.sid, exc)
                self._end(request, "parse error")
        elif packet.type == EngineType.CLOSE:
            self._end(request, "transport close", by_client=True)
        elif packet.type == EngineType.PONG and over == WEBSOCKET:
            request.change(_set(pinged=False, due_ms=request.session.ping_ms + self._ping_wait()))
        # other packets (ping, upgrade and noop outside an upgrade) mean nothing here: ignored

    def _socket_message(self, request: _Request, data: str) -> None:
        packet = decode_socket(data)
        namespace = packet.namespace
        joined = request.session.namespaces
        if packet.type == SocketType.CONNECT:
            self._connect(request, namespace, packet.data)
        elif packet.type == SocketType.DISCONNECT:
            if namespace in joined:
                self._leave(request, namespace, "client namespace disconnect", tell_client=False)
        elif packet.type == SocketType.EVENT:
            if namespace not in joined:
                return  # as the reference server: events of a namespace the client has not joined are dropped
            name, args = packet.data[0], packet.data[1:]
            socket = Socket(self, request.session, namespace, joined[namespace])
            answer = self.app.event(socket, str(name), list(args))
            if packet.id is not None and answer is not None:
                request.send(SocketPacket(SocketType.ACK, namespace, list(answer), packet.id).message())
        elif packet.type == SocketType.CONNECT_ERROR:
            raise ProtocolError("clients do not send CONNECT_ERROR")
        # ACK: the engine never asks clients for acknowledgements, so there is nothing to match

    def _connect(self, request: _Request, namespace: str, auth: Any) -> None:
        if namespace not in self.config.namespaces:
            request.send(SocketPacket(SocketType.CONNECT_ERROR, namespace, {"message": "Invalid namespace"}).message())
            return
        existing = request.session.namespaces.get(namespace)
        if existing is not None:
            request.send(SocketPacket(SocketType.CONNECT, namespace, {"sid": existing}).message())
            return
        socket_id = self.new_id()
        request.change(_join(namespace, socket_id))
        request.held = []
        try:
            self.app.connect(Socket(self, request.session, namespace, socket_id), auth)
        except Refuse as refused:
            request.held = None
            request.change(_leave(namespace))
            answer = {"message": refused.message} | ({"data": refused.data} if refused.data is not None else {})
            request.send(SocketPacket(SocketType.CONNECT_ERROR, namespace, answer).message())
            return
        held, request.held = request.held, None
        request.send(SocketPacket(SocketType.CONNECT, namespace, {"sid": socket_id}).message())
        request.out.extend(held)

    def _leave(self, request: _Request, namespace: str, reason: str, *, tell_client: bool) -> None:
        socket_id = request.session.namespaces.get(namespace)
        if socket_id is None:
            return
        if tell_client:
            request.send(SocketPacket(SocketType.DISCONNECT, namespace).message())
        request.change(_leave(namespace))
        self.app.disconnect(Socket(self, request.session, namespace, socket_id), reason)

    def _end(self, request: _Request, reason: str, *, by_client: bool = False) -> None:
        """Close the session inside a request: every namespace learns why, then the session is marked."""
        if request.ended:
            return
        request.ended = reason
        for namespace, socket_id in list(request.session.namespaces.items()):
            request.change(_leave(namespace))
            self.app.disconnect(Socket(self, request.session, namespace, socket_id), reason)
        now = self.clock()
        request.change(_set(closed=True, close_reason="client" if by_client else reason, due_ms=None,
                            expires_at=now // 1000 + self.config.grace_s))

    # ================================================================================ delivery and storage

    def _deliver(self, sid: str, frames: list[str], *, namespace: str | None = None,
                 session: Session | None = None, loaded: bool = False) -> bool:
        current = _CURRENT.get()
        if current is not None and current.session.sid == sid:
            if current.ended or (namespace is not None and namespace not in current.session.namespaces):
                return False
            for frame in frames:
                current.send(frame)
            return True
        if not loaded:
            session = self.store.get(sid)
        if session is None or session.closed or (namespace is not None and namespace not in session.namespaces):
            return False
        return self._push(session, frames)

    def _push(self, session: Session, frames: list[str]) -> bool:
        """Frames to a stored session: queued for its next GET, or sent over its WebSocket."""
        if session.transport == POLLING:
            result = self.store.append(session.sid, frames, max_packets=self.config.max_queued)
            if result == "full":
                self._close_stored(session, "transport error")
            if result != "not_polling":
                return result == "queued"
            fresh = self.store.get(session.sid)  # upgraded meanwhile: push over the WebSocket
            if fresh is None or fresh.closed or fresh.transport == POLLING:
                return False
            session = fresh
        if not session.greeted or not session.connection_id:
            return False
        if self._outlet().send(session.connection_id, frames):
            return True
        self._close_stored(session, "transport close", close_connection=False)
        return False

    def _finish(self, request: _Request, *, reply: bool = False) -> list[str]:
        """Store the request's changes. Its frames for its own client are returned (`reply`: the WebSocket
        message being answered) or delivered (queued for the next GET, or pushed over the WebSocket)."""
        if request.ops and self._save(request) is None:
            return []
        frames = request.out
        if not frames or request.session.closed:
            return []
        if reply:
            return frames
        self._push(request.session, frames)
        return []

    def _save(self, request: _Request) -> Session | None:
        for _ in range(MAX_SAVE_ATTEMPTS):
            session = request.session
            session.version = request.base_version + 1
            if self.store.save(session, expected_version=request.base_version):
                request.base_version = session.version
                return session
            fresh = self.store.get(session.sid)
            if fresh is None:
                return None
            for op in request.ops:
                op(fresh)
            request.session, request.base_version = fresh, fresh.version
        raise RuntimeError(f"socket.io session {request.session.sid} kept changing; gave up saving")

    def _close_stored(self, session: Session, reason: str, *, close_connection: bool = True) -> None:
        """Close a session outside of its own request (timeouts, protocol errors, a gone connection)."""
        request = _Request(session)
        with self._serving(request):
            self._end(request, reason)
        self._finish(request)
        connection = request.session.connection_id
        if request.session.transport == WEBSOCKET and connection:
            self.store.unlink(connection)
            if close_connection:
                self._outlet().close(connection)

    @contextmanager
    def _serving(self, request: _Request) -> Iterator[None]:
        token = _CURRENT.set(request)
        try:
            yield
        finally:
            _CURRENT.reset(token)

    # ================================================================================ helpers

    def _handshake(self, query: Mapping[str, str], headers: Mapping[str, str]) -> dict[str, Any]:
        own = {k: v for k, v in query.items() if k not in ENGINE_QUERY}
        lowered = {k.lower(): v for k, v in headers.items()}
        kept = {k: lowered[k] for k in self.config.keep_headers if k in lowered}
        return dict(self.app.handshake(own, kept) or {})

    def _create(self, session: Session) -> Session:
        for _ in range(5):
            candidate = replace(session, sid=self.new_id())
            if self.store.create(candidate):
                return candidate
        raise RuntimeError("could not draw a free session id")

    def _linked_session(self, connection_id: str) -> Session | None:
        sid = self.store.linked(connection_id)
        return self.store.get(sid) if sid else None

    def _open_packet(self, sid: str, upgrades: Iterable[str]) -> str:
        config = self.config
        return open_packet(sid=sid, upgrades=upgrades, ping_interval_ms=config.ping_interval_ms,
                           ping_timeout_ms=config.ping_timeout_ms, max_payload=config.max_payload)

    def _window(self) -> int:
        """How long a client may stay silent: the ping interval plus the ping timeout."""
        return self.config.ping_interval_ms + self.config.ping_timeout_ms

    def _ping_wait(self) -> int:
        """How long after the last ping (or the open packet) the sweep pings a websocket session."""
        return max(0, self.config.ping_interval_ms - self.config.sweep_slack_ms)

    def _polling_expiry(self, last_seen_ms: int) -> int:
        return (last_seen_ms + self._window()) // 1000 + self.config.grace_s

    def _outlet(self) -> Outlet:
        if self.outlet is None:
            raise RuntimeError("this engine has no outlet for WebSocket connections")
        return self.outlet
