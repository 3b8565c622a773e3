"""The real python-socketio client against a server built on suite.socketio, over real local sockets: the local
stack's HTTP API gateway serves the polling route and its WebSocket API gateway the upgrade and websocket-only
connections, on one port, calling the Lambda handlers of suite.socketio.gateway (tests/support/socketio_stack.py).
Pushes from outside a request go through PostToConnection to the gateway's @connections API.

Each test reads the conversation the client actually had (every invocation and its answer), so the exchange is
checked as well as the outcome."""

from __future__ import annotations

import json
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import socketio

from suite.socketio import EngineConfig
from tests.support.socketio_stack import SocketStack, socket_stack
from tests.support.ws_client import WebSocketClient

CONFIG = EngineConfig(namespaces=("/", "/api"), poll_wait_ms=2_000, ping_interval_ms=25_000, ping_timeout_ms=20_000)


class Listener:
    """Collects a client's events; `wait_for` blocks until one arrives (or fails the test after a while)."""

    def __init__(self, client: socketio.Client, namespace: str, *names: str) -> None:
        self.got: list[tuple[str, tuple]] = []
        self._arrived = threading.Condition()
        for name in names:
            client.on(name, self._recorder(name), namespace=namespace)

    def _recorder(self, name):
        def record(*args):
            with self._arrived:
                self.got.append((name, args))
                self._arrived.notify_all()
        return record

    def wait_for(self, name: str, count: int = 1, timeout: float = 10) -> list[tuple]:
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.of(name)) >= count, timeout)
        found = self.of(name)
        assert len(found) >= count, f"{name} did not arrive: {self.got}"
        return found

    def of(self, name: str) -> list[tuple]:
        return [args for event, args in self.got if event == name]


@contextmanager
def client(stack: SocketStack, *, transports=None, namespace="/api", query="room=r1", auth=None,
           events=("welcome", "echo", "heard", "pushed")) -> Iterator[tuple[socketio.Client, Listener]]:
    sio = socketio.Client(request_timeout=10)
    listener = Listener(sio, namespace, *events)
    sio.connect(f"{stack.url}/?{query}", namespaces=[namespace], transports=transports, auth=auth,
                wait_timeout=10)
    try:
        yield sio, listener
    finally:
        sio.disconnect()


def sid_of(stack: SocketStack, namespace: str = "/api") -> str:
    [(sid, _)] = [key for key in stack.app.members if key[1] == namespace]
    return sid


def wait_until(condition, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


def exercise(stack: SocketStack, sio: socketio.Client, listener: Listener, namespace: str = "/api") -> None:
    """What every transport must carry: connect greeting, an ack, a round trip, and a push from outside."""
    [(welcome,)] = listener.wait_for("welcome")
    assert welcome == {"namespace": namespace, "room": "r1", "auth": {"who": "tests"}}
    assert sio.call("add", (2, 3, 4), namespace=namespace, timeout=10) == 9
    sio.emit("echo", ("中文", {"n": [1, 2]}), namespace=namespace)
    assert listener.wait_for("echo")[0] == ("中文", {"n": [1, 2]})
    # a producer outside any request (like the stream consumer that announces kv-key-changed)
    assert stack.engine.emit(sid_of(stack, namespace), namespace, "pushed", {"key": "classworks-data-20250101"})
    assert listener.wait_for("pushed")[0] == ({"key": "classworks-data-20250101"},)


def test_polling_only():
    with socket_stack(CONFIG) as stack:
        with client(stack, transports=["polling"], auth={"who": "tests"}) as (sio, listener):
            assert sio.transport() == "polling"
            exercise(stack, sio, listener)
        wait_until(lambda: stack.app.left)
        assert stack.app.left[0][1:] == ("/api", "client namespace disconnect")
        polls = stack.polling_exchange()
        assert stack.websocket_exchange() == []
    method, query, opened = polls[0]
    assert (method, "sid=" in query, opened[0]) == ("GET", False, "0")
    assert json.loads(opened[1:])["upgrades"] == ["websocket"]
    assert ("POST", '40/api,{"who":"tests"}') in [(m, b) for m, b in _posted(stack)]
    assert any(body.startswith('40/api,{"sid":"') for m, _, body in polls if m == "GET")


def test_polling_then_upgrade_to_websocket():
    with socket_stack(CONFIG) as stack:
        with client(stack, auth={"who": "tests"}) as (sio, listener):
            wait_until(lambda: sio.transport() == "websocket")
            exercise(stack, sio, listener)
            session = stack.store.get(sid_of(stack))
            assert (session.transport, session.connection_id is not None) == ("websocket", True)
            assert stack.outlet.sent  # the push went through PostToConnection
        wait_until(lambda: stack.websocket_exchange()[-1][0] == "$disconnect")
        exchange = stack.websocket_exchange()
        polls = stack.polling_exchange()
    assert polls[0][2][0] == "0"  # the handshake was a polling GET
    assert exchange[:3] == [("$connect", "", None), ("$default", "2probe", "3probe"), ("$default", "5", None)]
    assert ("$default", '40/api,{"who":"tests"}') in [(route, frame) for route, frame, _ in exchange]


def test_websocket_only():
    with socket_stack(CONFIG) as stack:
        with client(stack, transports=["websocket"], auth={"who": "tests"}) as (sio, listener):
            assert sio.transport() == "websocket"
            exercise(stack, sio, listener)
        wait_until(lambda: stack.app.left)
        exchange = stack.websocket_exchange()
        assert stack.polling_exchange() == []
        opened = [frame for _, frame in stack.outlet.sent if frame.startswith("0")]
    assert exchange[0] == ("$connect", "", None)
    assert json.loads(opened[0][1:])["upgrades"] == []  # the greeting, sent after $connect returned


def test_namespaces_main_and_api_and_a_fan_out_across_transports():
    with socket_stack(CONFIG) as stack, \
            client(stack, transports=["polling"], namespace="/", auth={"who": "tests"}) as (_, heard_a), \
            client(stack, transports=["websocket"], auth={"who": "tests"}) as (b, heard_b):
        heard_a.wait_for("welcome")
        heard_b.wait_for("welcome")
        assert b.call("shout", "hello", namespace="/api", timeout=10) == "sent"
        [(from_a,)] = heard_a.wait_for("heard")
        [(from_b,)] = heard_b.wait_for("heard")
    assert from_a == from_b
    assert from_a["text"] == "hello"


def test_refused_and_unknown_namespaces():
    with socket_stack(CONFIG) as stack:
        with pytest.raises(socketio.exceptions.ConnectionError), \
                client(stack, transports=["polling"], auth={"refuse": "yes"}):
            pass
        with pytest.raises(socketio.exceptions.ConnectionError), \
                client(stack, transports=["websocket"], namespace="/nope"):
            pass
        answers = [body for _, _, body in stack.polling_exchange()] + [r or "" for _, _, r in
                                                                       stack.websocket_exchange()]
    assert '44/api,{"message":"not welcome","data":{"why":"yes"}}' in answers
    assert '44/nope,{"message":"Invalid namespace"}' in answers


def test_heartbeats_keep_both_transports_alive():
    # The client gives up when no ping comes within pingInterval + pingTimeout (here 3 s): staying connected
    # for twice that long needs pings, in GET answers (polling) and from the sweep (websocket).
    config = EngineConfig(namespaces=("/api",), poll_wait_ms=1_000, ping_interval_ms=1_500, ping_timeout_ms=1_500,
                          sweep_slack_ms=700)
    with socket_stack(config) as stack:
        stop = threading.Event()

        def sweeper():
            while not stop.wait(0.1):
                stack.engine.sweep()

        thread = threading.Thread(target=sweeper, daemon=True)
        thread.start()
        try:
            with client(stack, transports=["polling"], auth={"who": "tests"}) as (polling, _), \
                    client(stack, transports=["websocket"], auth={"who": "tests"}) as (websocket, _):
                time.sleep(6)
                assert polling.connected
                assert websocket.connected
                assert polling.call("add", (1, 1), namespace="/api", timeout=10) == 2
                assert websocket.call("add", (2, 2), namespace="/api", timeout=10) == 4
                assert stack.app.left == []
        finally:
            stop.set()
            thread.join()
        polls = stack.polling_exchange()
        pongs = [frame for route, frame, _ in stack.websocket_exchange() if frame == "3"]
    assert any(body.endswith("2") for method, _, body in polls if method == "GET")
    assert len([f for _, f in stack.outlet.sent if f == "2"]) >= 2
    assert len(pongs) >= 2


def test_the_gateway_closes_binary_frames_with_1003():
    with socket_stack(CONFIG) as stack:
        raw = WebSocketClient(f"{stack.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket")
        try:
            raw._send(0x2, b"\x01\x02\x03")
            opcode, payload = raw.receive()
            while opcode != 0x8:  # the greeting may come first
                opcode, payload = raw.receive()
        finally:
            raw.sock.close()
    assert struct.unpack("!H", payload[:2]) == (1003,)


def _posted(stack: SocketStack) -> list[tuple[str, str]]:
    return [(event["requestContext"]["http"]["method"], event.get("body", ""))
            for name, event, _ in stack.conversation if name == "Poll"
            and event["requestContext"]["http"]["method"] == "POST"]
