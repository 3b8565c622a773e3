"""The Socket.IO engine's state machine (suite.socketio.engine) on the reference MemoryStore with a fake clock:
handshakes, long-polling, namespaces, events and acks, the upgrade, websocket-only sessions, heartbeats,
closes, and what a request costs in store calls. Cases follow the two protocol test suites
(engine.io-protocol/test-suite, socket.io-protocol/test-suite) where they apply."""

from __future__ import annotations

import json
from typing import Any

import pytest

from suite.socketio import Engine, EngineConfig, MemoryStore, Refuse
from suite.socketio.packets import SEPARATOR
from suite.socketio.session import POLLING, WEBSOCKET
from tests.support import socketio_store_contract as contract
from tests.support.socketio_fakes import App, Clock, CountingStore, Outlet


@pytest.fixture
def world():
    clock = Clock()
    store = CountingStore(clock)
    app = App()
    outlet = Outlet()
    config = EngineConfig(namespaces=("/", "/api"), ping_interval_ms=25_000, ping_timeout_ms=20_000,
                          poll_wait_ms=20_000, max_queued=5)
    engine = Engine(store=store, app=app, outlet=outlet, config=config, clock=clock, sleep=clock.sleep)
    app.engine = engine
    return engine, clock, store, app, outlet


def q(**values):
    return {"EIO": "4", "transport": "polling", **values}


def handshake(engine, **query):
    answer = engine.polling("GET", q(**query), headers={"User-Agent": "tests"})
    assert answer.status == 200
    return json.loads(answer.body[1:])["sid"]


def post(engine, sid, body):
    return engine.polling("POST", q(sid=sid), body)


def get(engine, sid, **kwargs):
    answer = engine.polling("GET", q(sid=sid), **kwargs)
    return answer.status, answer.body.split(SEPARATOR)


def connected(engine, namespace="/api", **query):
    sid = handshake(engine, **query)
    assert post(engine, sid, f"40{namespace}," if namespace != "/" else "40").body == "ok"
    status, frames = get(engine, sid)
    assert status == 200
    return sid, frames


# ------------------------------------------------------------------------------------------------ handshake

def test_the_handshake_answers_the_open_packet_and_keeps_what_the_app_wants(world):
    engine, _, store, _, _ = world
    answer = engine.polling("GET", q(token="t1", t="N8hyd6w"), headers={"User-Agent": "tests"})
    assert (answer.status, answer.content_type) == (200, "text/plain; charset=UTF-8")
    assert answer.body[0] == "0"
    opened = json.loads(answer.body[1:])
    assert opened == {"sid": opened["sid"], "upgrades": ["websocket"], "pingInterval": 25000, "pingTimeout": 20000,
                      "maxPayload": 100000}
    stored = store.get(opened["sid"])
    assert stored.handshake == {"token": "t1", "agent": "tests"}  # the query minus EIO/transport/t
    assert (stored.transport, stored.namespaces, stored.closed) == (POLLING, {}, False)


@pytest.mark.parametrize(("method", "query", "status", "code"), [
    ("GET", {"EIO": "3", "transport": "polling"}, 400, 5),
    ("GET", {"transport": "polling"}, 400, 5),
    ("GET", {"EIO": "4", "transport": "abc"}, 400, 0),
    ("GET", {"EIO": "4"}, 400, 0),
    ("POST", {"EIO": "4", "transport": "polling"}, 400, 2),
    ("PUT", {"EIO": "4", "transport": "polling"}, 400, 2),
    ("GET", {"EIO": "4", "transport": "polling", "j": "0"}, 400, 3),
    ("GET", {"EIO": "4", "transport": "polling", "sid": "unknown"}, 400, 1),
    ("POST", {"EIO": "4", "transport": "polling", "sid": "unknown"}, 400, 1),
])
def test_requests_that_are_not_engine_io_polling_get_its_errors(world, method, query, status, code):
    engine = world[0]
    answer = engine.polling(method, query, "40")
    assert (answer.status, answer.content_type) == (status, "application/json")
    assert json.loads(answer.body)["code"] == code


def test_a_handshake_the_application_refuses_is_403(world):
    engine, _, _, app, _ = world
    app.handshake = lambda query, headers: (_ for _ in ()).throw(Refuse("no"))
    assert engine.polling("GET", q()).status == 403
    assert engine.ws_connect("c1", {"EIO": "4", "transport": "websocket"}).status == 403


# ------------------------------------------------------------------------------------------------ namespaces

def test_connect_answers_the_socket_id_then_what_the_app_emitted(world):
    engine, _, store, app, _ = world
    sid, frames = connected(engine, "/api", token="t1")
    assert frames[0].startswith('40/api,{"sid":"')
    socket_id = json.loads(frames[0][len("40/api,"):])["sid"]
    assert socket_id != sid  # Socket.IO v5: the socket id is not the Engine.IO session id
    assert frames[1] == '42/api,["welcome",{"handshake":{"token":"t1","agent":"tests"}}]'
    assert store.get(sid).namespaces == {"/api": socket_id}
    assert app.connected == [("/api", None)]


def test_the_main_namespace_and_an_auth_payload(world):
    engine, _, _, app, _ = world
    sid = handshake(engine)
    post(engine, sid, '40{"token":"123"}')
    _, frames = get(engine, sid)
    assert frames[0].startswith('40{"sid":"')
    assert app.connected == [("/", {"token": "123"})]


def test_an_unknown_namespace_is_refused_without_asking_the_app(world):
    engine, _, store, app, _ = world
    sid = handshake(engine)
    post(engine, sid, "40/random")  # the socket.io test suite's case: no comma
    assert get(engine, sid)[1] == ['44/random,{"message":"Invalid namespace"}']
    assert app.connected == []
    assert store.get(sid).namespaces == {}


def test_a_refused_namespace_gets_connect_error_with_the_apps_data(world):
    engine, _, store, _, _ = world
    sid = handshake(engine)
    post(engine, sid, '40/api,{"refuse":true}')
    assert get(engine, sid)[1] == ['44/api,{"message":"not welcome","data":{"why":"asked"}}']
    assert store.get(sid).namespaces == {}
    assert not store.get(sid).closed  # the session lives on; the client may try again


def test_a_repeated_connect_is_answered_with_the_same_socket(world):
    engine, _, _, app, _ = world
    sid, frames = connected(engine)
    post(engine, sid, "40/api,")
    assert get(engine, sid)[1] == [frames[0]]
    assert len(app.connected) == 1


def test_several_namespaces_on_one_session_and_leaving_one(world):
    engine, _, store, app, _ = world
    sid, _ = connected(engine, "/api")
    post(engine, sid, "40")
    get(engine, sid)
    assert set(store.get(sid).namespaces) == {"/", "/api"}
    post(engine, sid, "41/api,")
    assert set(store.get(sid).namespaces) == {"/"}
    assert app.left == [("/api", "client namespace disconnect")]


# ------------------------------------------------------------------------------------------------ events

def test_events_acks_and_packets_batched_in_one_post(world):
    engine, _, _, app, _ = world
    sid, _ = connected(engine)
    body = SEPARATOR.join(['42/api,["hello",1]', '42/api,7["add",2,3]', '42/api,8["hello"]', "3"])
    assert post(engine, sid, body).body == "ok"
    assert get(engine, sid)[1] == ["43/api,7[5]"]  # an ack only where the client asked and the app answered
    assert app.events == [("hello", [1]), ("add", [2, 3]), ("hello", [])]


def test_events_of_a_namespace_the_client_has_not_joined_are_dropped(world):
    engine, _, _, app, _ = world
    sid, _ = connected(engine, "/api")
    post(engine, sid, '42["hello"]')  # main namespace: not joined
    assert app.events == []


def test_the_app_emitting_to_its_own_client_keeps_the_order(world):
    engine, _, _, _, _ = world
    sid, _ = connected(engine)
    post(engine, sid, '42/api,1["poke-self"]')
    assert get(engine, sid)[1] == ['42/api,["poked"]']


def test_a_server_side_namespace_disconnect(world):
    engine, _, store, app, _ = world
    sid, _ = connected(engine)
    post(engine, sid, '42/api,["leave"]')
    assert get(engine, sid)[1] == ["41/api,"]
    assert store.get(sid).namespaces == {}
    assert app.left == [("/api", "server namespace disconnect")]


@pytest.mark.parametrize("body", ["4abc", "42{}", '42abc["x",1]', "bAQIDBA==", "45" + '1-["x",{"_placeholder":true}]',
                                  "x", "4" + "2" * 3])
def test_malformed_or_binary_packets_close_the_session(world, body):
    # engine.io test suite: "closes the session upon invalid packet format"; socket.io: "invalid format"
    engine, _, _, app, _ = world
    sid, _ = connected(engine)
    answer = post(engine, sid, body)
    assert answer.status == 400
    assert app.left == [("/api", "parse error")]
    assert get(engine, sid)[0] == 400


def test_a_post_above_max_payload_is_413_and_ends_the_session(world):
    engine, _, _, app, _ = world
    sid, _ = connected(engine)
    assert post(engine, sid, '42/api,["x","' + "a" * 100_001 + '"]').status == 413
    assert app.left == [("/api", "transport error")]


def test_the_client_closing_ends_every_namespace(world):
    engine, _, store, app, _ = world
    sid, _ = connected(engine)
    assert post(engine, sid, "1").body == "ok"
    assert app.left == [("/api", "transport close")]
    assert store.get(sid).closed
    assert get(engine, sid)[0] == 400


# ------------------------------------------------------------------------------------------------ long-polling

def test_an_idle_get_waits_then_answers_a_noop_and_what_it_cost(world):
    engine, clock, store, _, _ = world
    sid, _ = connected(engine)
    store.calls.clear()
    clock.sleeps.clear()
    assert get(engine, sid) == (200, ["6"])
    assert sum(clock.sleeps) == pytest.approx(20.0)  # the whole poll_wait_ms
    # cost: one write to take the lease, one eventually consistent read per pause, one write to end
    pauses = len(clock.sleeps)
    assert dict(store.calls) == {"begin_poll": 1, "get": pauses, "end_poll": 1}
    assert pauses == 6 + 17 + 1  # 50, 100, 200, 400, 800, 1000 ms, 17 more seconds, the last 450 ms


def test_a_get_ends_with_a_ping_when_the_ping_interval_has_passed(world):
    engine, clock, store, _, _ = world
    sid, _ = connected(engine)
    opened = store.get(sid).ping_ms
    assert get(engine, sid)[1] == ["6"]  # the whole wait (20 s): a noop
    assert get(engine, sid)[1] == ["2"]  # the wait is cut short at the ping interval (25 s after the open packet)
    assert clock.now == opened + 25_000 == store.get(sid).ping_ms
    assert get(engine, sid)[1] == ["6"]
    assert post(engine, sid, "3").body == "ok"
    clock.during_sleep.append(lambda: engine.emit(sid, "/api", "late"))
    clock.advance(1_000)  # 21 s after the ping: a packet arriving during the wait ends it without a ping
    assert get(engine, sid)[1] == ['42/api,["late"]']
    clock.advance(60_000)  # a ping long overdue goes out at once, with whatever is waiting
    engine.emit(sid, "/api", "later")
    started = clock.now
    assert get(engine, sid)[1] == ['42/api,["later"]', "2"]
    assert clock.now == started


def test_a_waiting_get_answers_as_soon_as_a_packet_is_queued(world):
    engine, clock, store, _, _ = world
    sid, _ = connected(engine)
    clock.during_sleep.append(lambda: engine.emit(sid, "/api", "news", {"n": 1}))
    started = clock.now
    store.calls.clear()
    assert get(engine, sid)[1] == ['42/api,["news",{"n":1}]']
    assert clock.now - started == 50  # woken by the first read after the packet arrived
    assert store.calls["append"] == 1


def test_the_get_wait_is_bounded_by_the_invocations_remaining_time(world):
    engine, clock, _, _, _ = world
    sid, _ = connected(engine)
    started = clock.now
    get(engine, sid, budget_ms=7_000)
    assert clock.now - started == 5_000  # two seconds kept back to answer


def test_a_second_concurrent_get_is_refused_and_closes_the_session(world):
    # engine.io test suite: "closes the session upon duplicate poll requests": first 200 "1", second 400
    engine, clock, _, app, _ = world
    sid, _ = connected(engine)
    second: list[Any] = []
    clock.during_sleep.append(lambda: second.append(get(engine, sid)))
    assert get(engine, sid) == (200, ["1"])
    assert second[0][0] == 400
    assert app.left == [("/api", "transport error")]
    assert get(engine, sid)[0] == 400


def test_a_waiting_get_ends_with_a_noop_when_the_client_closes(world):
    # engine.io test suite: "forcefully closes the session": the pending GET gets "6", later ones 400
    engine, clock, _, _, _ = world
    sid, _ = connected(engine)
    clock.during_sleep.append(lambda: post(engine, sid, "1"))
    assert get(engine, sid) == (200, ["6"])
    assert get(engine, sid)[0] == 400


def test_a_full_outbox_closes_the_session(world):
    engine, _, _, app, _ = world
    sid, _ = connected(engine)
    assert all(engine.emit(sid, "/api", "n", i) for i in range(5))
    assert engine.emit(sid, "/api", "n", 5) is False
    assert app.left == [("/api", "transport error")]


def test_emit_reaches_only_live_sessions_in_that_namespace(world):
    engine, _, _, _, _ = world
    sid, _ = connected(engine, "/api")
    assert engine.emit("unknown", "/api", "x") is False
    assert engine.emit(sid, "/", "x") is False
    other, _ = connected(engine, "/")
    reached = engine.emit_many([(sid, "/api"), (other, "/"), (other, "/api"), ("gone", "/")], "news", 1)
    assert reached == {(sid, "/api"): True, (other, "/"): True, (other, "/api"): False, ("gone", "/"): False}
    assert get(engine, sid)[1] == ['42/api,["news",1]']
    assert get(engine, other)[1] == ['42["news",1]']


# ------------------------------------------------------------------------------------------------ upgrade

def test_the_upgrade_probe_then_switch_flushes_what_was_queued(world):
    engine, clock, store, _, outlet = world
    sid, _ = connected(engine)
    assert engine.ws_connect("ws1", {"EIO": "4", "transport": "websocket", "sid": sid}).greet is False
    pending: list[Any] = []
    # while a GET waits, the probe arrives: the GET ends with a noop (engine.io test suite: "6")
    clock.during_sleep.append(lambda: pending.append(engine.ws_message("ws1", "2probe")))
    assert get(engine, sid) == (200, ["6"])
    assert pending == [["3probe"]]
    engine.emit(sid, "/api", "before-switch")  # still polling: queued
    assert engine.ws_message("ws1", "5") == ['42/api,["before-switch"]']
    stored = store.get(sid)
    assert (stored.transport, stored.connection_id, stored.outbox) == (WEBSOCKET, "ws1", [])
    assert engine.emit(sid, "/api", "after-switch") is True
    assert outlet.frames("ws1") == ['42/api,["after-switch"]']
    assert engine.ws_message("ws1", '42/api,9["add",1,1]') == ["43/api,9[2]"]
    # engine.io test suite: "ignores HTTP requests with same sid after upgrade"
    assert get(engine, sid)[0] == 400
    assert post(engine, sid, "3").status == 400


def test_an_upgrade_packet_overtaking_its_probe_still_upgrades(world):
    engine, _, store, _, _ = world
    sid, _ = connected(engine)
    engine.ws_connect("ws1", {"EIO": "4", "transport": "websocket", "sid": sid})
    assert engine.ws_message("ws1", "5") == []
    assert store.get(sid).transport == WEBSOCKET


def test_a_probe_that_gives_up_leaves_the_polling_session_alone(world):
    engine, _, store, app, _ = world
    sid, _ = connected(engine)
    engine.ws_connect("ws1", {"EIO": "4", "transport": "websocket", "sid": sid})
    engine.ws_message("ws1", "2probe")
    engine.ws_disconnect("ws1")
    stored = store.get(sid)
    assert (stored.transport, stored.probe_connection, stored.closed) == (POLLING, None, False)
    assert app.left == []


def test_a_second_websocket_for_an_upgraded_session_is_closed(world):
    # engine.io test suite: "ignores WebSocket connection with same sid after upgrade"
    engine, _, _, _, outlet = world
    sid, _ = connected(engine)
    engine.ws_connect("ws1", {"EIO": "4", "transport": "websocket", "sid": sid})
    engine.ws_message("ws1", "5")
    assert engine.ws_connect("ws2", {"EIO": "4", "transport": "websocket", "sid": sid}).status == 400
    assert engine.ws_message("ws2", "2probe") == []
    assert outlet.closed == ["ws2"]
    assert engine.ws_message("ws1", '42/api,1["add",1]') == ["43/api,1[1]"]


@pytest.mark.parametrize("query", [{"EIO": "3", "transport": "websocket"}, {"EIO": "4", "transport": "polling"},
                                   {"EIO": "4", "transport": "websocket", "sid": "unknown"}])
def test_websocket_handshakes_that_are_not_ours_are_refused(world, query):
    assert world[0].ws_connect("ws1", query).status == 400


# ------------------------------------------------------------------------------------------------ websocket only

def test_a_websocket_only_session_is_greeted_after_connect(world):
    engine, clock, store, _, outlet = world
    accepted = engine.ws_connect("ws1", {"EIO": "4", "transport": "websocket", "token": "t"}, {"user-agent": "x"})
    assert (accepted.status, accepted.greet) == (200, True)
    sid = store.linked("ws1")
    outlet.gone.add("ws1")  # API Gateway: the connection is not open until $connect has returned
    assert engine.greet("ws1") == "retry"
    outlet.gone.clear()
    assert engine.greet("ws1") == "sent"
    assert engine.greet("ws1") == "sent"  # a repeated greeting sends nothing more
    (opened,) = outlet.frames("ws1")
    assert json.loads(opened[1:]) == {"sid": sid, "upgrades": [], "pingInterval": 25000, "pingTimeout": 20000,
                                      "maxPayload": 100000}
    frames = engine.ws_message("ws1", "40/api,")
    assert frames[0].startswith('40/api,{"sid":"')
    assert frames[1] == '42/api,["welcome",{"handshake":{"token":"t","agent":"x"}}]'
    assert store.get(sid).ping_ms == clock.now


def test_a_connection_that_never_opens_is_given_up(world):
    engine, clock, store, _, outlet = world
    engine.ws_connect("ws1", {"EIO": "4", "transport": "websocket"})
    sid = store.linked("ws1")
    outlet.gone.add("ws1")
    clock.advance(10_000)
    assert engine.greet("ws1") == "gone"
    assert store.get(sid).closed


def test_closing_the_websocket_ends_the_session(world):
    engine, _, store, app, _ = world
    engine.ws_connect("ws1", {"EIO": "4", "transport": "websocket"})
    engine.greet("ws1")
    engine.ws_message("ws1", "40/api,")
    sid = store.linked("ws1")
    engine.ws_disconnect("ws1")
    assert app.left == [("/api", "transport close")]
    assert store.get(sid).closed
    assert store.linked("ws1") is None
    assert engine.emit(sid, "/api", "x") is False


def test_a_malformed_frame_closes_the_websocket(world):
    engine, _, _, app, outlet = world
    engine.ws_connect("ws1", {"EIO": "4", "transport": "websocket"})
    engine.greet("ws1")
    engine.ws_message("ws1", "40/api,")
    assert engine.ws_message("ws1", '42/api,{"not":"an array"}') == []
    assert app.left == [("/api", "parse error")]
    assert outlet.closed == ["ws1"]


def test_a_push_to_a_gone_connection_closes_the_session(world):
    engine, _, store, app, outlet = world
    engine.ws_connect("ws1", {"EIO": "4", "transport": "websocket"})
    engine.greet("ws1")
    engine.ws_message("ws1", "40/api,")
    sid = store.linked("ws1")
    outlet.gone.add("ws1")
    assert engine.emit(sid, "/api", "x") is False
    assert app.left == [("/api", "transport close")]


# ------------------------------------------------------------------------------------------------ heartbeats

def websocket_session(engine, store):
    engine.ws_connect("ws1", {"EIO": "4", "transport": "websocket"})
    engine.greet("ws1")
    engine.ws_message("ws1", "40/api,")
    return store.linked("ws1")


def test_the_sweep_pings_a_websocket_early_and_the_pong_clears_it(world):
    engine, clock, store, _, outlet = world
    sid = websocket_session(engine, store)
    assert engine.sweep() == 0  # nothing is due yet
    clock.advance(15_000)  # the ping interval (25 s) less the sweep's slack (10 s)
    assert engine.sweep() == 1
    assert outlet.frames("ws1")[-1] == "2"
    assert store.get(sid).pinged
    engine.ws_message("ws1", "3")
    stored = store.get(sid)
    assert (stored.pinged, stored.due_ms) == (False, clock.now + 15_000)


def test_a_pong_that_comes_back_at_once_is_not_lost(world):
    engine, clock, store, app, outlet = world
    sid = websocket_session(engine, store)
    clock.advance(15_000)
    outlet.on_send.append(lambda: engine.ws_message("ws1", "3"))  # answered before the sweep's request ends
    engine.sweep()
    assert not store.get(sid).pinged
    clock.advance(20_000)
    engine.sweep()
    assert app.left == []


def test_a_websocket_that_does_not_answer_the_ping_is_closed(world):
    engine, clock, store, app, outlet = world
    sid = websocket_session(engine, store)
    clock.advance(15_000)
    engine.sweep()
    clock.advance(19_999)
    engine.sweep()
    assert not store.get(sid).closed
    clock.advance(1)
    engine.sweep()
    assert store.get(sid).closed
    assert app.left == [("/api", "ping timeout")]
    assert outlet.closed == ["ws1"]


def test_a_polling_client_that_stops_polling_is_closed_by_the_sweep(world):
    engine, clock, store, app, _ = world
    sid, _ = connected(engine)
    clock.advance(44_000)
    engine.sweep()
    assert not store.get(sid).closed
    clock.advance(30_000)  # > ping interval + ping timeout after the last GET began
    engine.sweep()
    assert store.get(sid).closed
    assert app.left == [("/api", "ping timeout")]


def test_a_session_that_joins_no_namespace_is_closed_after_the_connect_timeout(world):
    engine, clock, store, _, _ = world
    sid = handshake(engine)
    clock.advance(45_000)
    engine.sweep()
    assert store.get(sid).closed


def test_the_sweep_removes_closed_sessions_it_meets(world):
    engine, _, store, _, _ = world
    sid, _ = connected(engine)
    post(engine, sid, "1")
    engine.heartbeat(sid)
    assert store.get(sid) is None


# ------------------------------------------------------------------------------------------------ concurrency

def test_a_save_that_lost_a_race_is_replayed_on_the_fresh_session(world):
    engine, _, store, _, _ = world
    sid, _ = connected(engine, "/api")
    real_save = store.save
    raced = []

    def save_once_late(session, *, expected_version):
        if not raced:  # another request bumps the version between our read and our write
            raced.append(True)
            other = store.get(sid)
            other.version += 1
            real_save(other, expected_version=other.version - 1)
        return real_save(session, expected_version=expected_version)

    store.save = save_once_late
    post(engine, sid, "40")
    assert raced
    assert set(store.get(sid).namespaces) == {"/", "/api"}


@pytest.mark.parametrize("check", contract.CHECKS, ids=lambda check: check.__name__)
def test_the_memory_store_meets_the_store_contract(check):
    check(MemoryStore)
