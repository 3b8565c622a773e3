"""Fakes for suite.socketio's unit tests: a clock that moves when the engine sleeps, a store that counts its
calls, an outlet that records frames, and a small application."""

from __future__ import annotations

from collections import Counter
from typing import Any

from suite.socketio import Engine, MemoryStore, Refuse

START = 1_700_000_000_000


class Clock:
    """Milliseconds that move only when the engine sleeps; `during_sleep` runs things "while a GET waits"."""

    def __init__(self) -> None:
        self.now = START
        self.during_sleep: list[Any] = []
        self.sleeps: list[float] = []

    def __call__(self) -> int:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += round(seconds * 1000)
        while self.during_sleep:
            self.during_sleep.pop(0)()

    def advance(self, ms: int) -> None:
        self.now += ms


class CountingStore(MemoryStore):
    """MemoryStore that counts its operations (each is one DynamoDB call in a real store)."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(clock=lambda: clock.now // 1000)
        self.calls: Counter[str] = Counter()

    def __getattribute__(self, name: str) -> Any:
        attribute = super().__getattribute__(name)
        if name in ("create", "get", "get_many", "save", "append", "take", "begin_poll", "end_poll", "delete",
                    "link", "linked", "unlink", "due"):
            super().__getattribute__("calls")[name] += 1
        return attribute


class Outlet:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.closed: list[str] = []
        self.gone: set[str] = set()
        self.on_send: list[Any] = []  # run once after the next send (the client answering at once)

    def send(self, connection_id: str, frames: list[str]) -> bool:
        if connection_id in self.gone:
            return False
        self.sent.extend((connection_id, f) for f in frames)
        while self.on_send:
            self.on_send.pop(0)()
        return True

    def close(self, connection_id: str) -> None:
        self.closed.append(connection_id)

    def frames(self, connection_id: str) -> list[str]:
        return [f for c, f in self.sent if c == connection_id]


class App:
    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.connected: list[tuple[str, Any]] = []
        self.events: list[tuple[str, list[Any]]] = []
        self.left: list[tuple[str, str]] = []

    def handshake(self, query, headers):
        return {"token": query.get("token"), "agent": headers.get("user-agent")}

    def connect(self, socket, auth):
        if isinstance(auth, dict) and auth.get("refuse"):
            raise Refuse("not welcome", {"why": "asked"})
        self.connected.append((socket.namespace, auth))
        socket.emit("welcome", {"handshake": dict(socket.handshake)})

    def event(self, socket, name, args):
        self.events.append((name, args))
        if name == "add":
            return [sum(args)]
        if name == "leave":
            socket.disconnect()
        if name == "poke-self":
            assert self.engine is not None
            self.engine.emit(socket.sid, socket.namespace, "poked")
        return None

    def disconnect(self, socket, reason):
        self.left.append((socket.namespace, reason))
