"""The Socket.IO engine of classworks (suite.socketio), one per execution environment: sessions in
ClassworksTable (store/socket_sessions.py), WebSocket frames through the live stage's management API
(store/socket_outlet.py), the board's events (logic/board_socket.py).

Settings (docs/classworks-clients.md §4.3-§4.5):
- namespaces `/`, `/api` and `/api/`: socket.io-client takes the server URL's path as the namespace, and the board
  is pointed at `http://<host>/api`;
- `pingInterval` 60 s and `pingTimeout` 45 s: WebSocket sessions are pinged by a sweep that runs once a minute, so
  the open packet may not promise pings more often than that;
- a polling GET waits at most SOCKETIO_POLL_WAIT_MS (20 s; API Gateway cuts an integration at 30 s);
- `websocket` is offered as an upgrade: on the local stack the HTTP and WebSocket APIs share a port and the
  upgrade works; deployed, the probe reaches the HTTP API, fails, and the client stays on polling.
"""

from __future__ import annotations

import time
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from classworks import config
from classworks.logic import board_socket
from classworks.store import socket_greetings, socket_outlet, socket_sessions
from suite.socketio import Engine, EngineConfig

NAMESPACES = ("/", "/api", "/api/")
PING_INTERVAL_MS = 60_000
PING_TIMEOUT_MS = 45_000
GREET_PAUSE_SECONDS = 0.05
SWEEP_BATCH = 100
SWEEP_BUDGET_SECONDS = 40.0

_built: dict[str, Any] = {}


def engine() -> Engine:
    """The engine of this execution environment (built again when the settings were reset, as tests do)."""
    settings = config.get()
    if _built.get("settings") is not settings:
        app = board_socket.BoardApp()
        built = Engine(store=socket_sessions.SessionTable(), app=app, outlet=socket_outlet.ManagementOutlet(),
                       config=EngineConfig(namespaces=NAMESPACES, ping_interval_ms=PING_INTERVAL_MS,
                                           ping_timeout_ms=PING_TIMEOUT_MS,
                                           poll_wait_ms=settings.socketio_poll_wait_ms, upgrades=("websocket",)))
        app.engine = built
        _built.update(settings=settings, engine=built)
    return _built["engine"]


def is_engine_connection(connection_id: str) -> bool:
    """Whether a WebSocket connection carries a Socket.IO session (the engine linked it at `$connect`)."""
    return engine().store.linked(connection_id) is not None


def greet_later(connection_id: str) -> None:
    """After a websocket-only `$connect`: the open packet goes out from the greeting queue's consumer."""
    socket_greetings.send(connection_id)


def greet(connection_id: str, *, remaining_ms: int | None = None) -> str:
    """Send the open packet, retrying while API Gateway has not opened the connection yet (within the engine's
    greeting window and this invocation's time); "sent", "gone" or "retry" (given up for now)."""
    deadline = time.monotonic() + (remaining_ms / 1000 - 1 if remaining_ms else 10)
    while True:
        outcome = engine().greet(connection_id)
        if outcome != "retry" or time.monotonic() >= deadline:
            return outcome
        time.sleep(GREET_PAUSE_SECONDS)


def sweep() -> int:
    """The heartbeat sweep: every due session, a hundred at a time, within the time budget; how many."""
    started, seen = time.monotonic(), 0
    while True:
        count = engine().sweep(SWEEP_BATCH)
        seen += count
        if count < SWEEP_BATCH or time.monotonic() - started > SWEEP_BUDGET_SECONDS:
            return seen


def remembering() -> AbstractContextManager[None]:
    """A block (one invocation) in which a WebSocket connection's link is read once (store/socket_sessions.py)."""
    store = engine().store
    return store.remembering() if isinstance(store, socket_sessions.SessionTable) else nullcontext()
