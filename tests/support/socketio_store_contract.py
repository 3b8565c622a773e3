"""What every suite.socketio SessionStore must do, as functions over a store factory. The unit tests run them
on MemoryStore; a service runs them on its DynamoDB store (integration tests, moto) to prove the conditions:
two concurrent drains never both get a packet and none is lost, a lease is exclusive, `save` is a
compare-and-set, `append` reaches only open polling sessions.

    from tests.support import socketio_store_contract as contract
    @pytest.mark.parametrize("check", contract.CHECKS, ids=lambda c: c.__name__)
    def test_store_contract(check, store_factory): check(store_factory)
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from suite.socketio.session import POLLING, WEBSOCKET, Session

NOW = 1_700_000_000_000
FAR = NOW // 1000 + 3600


def session(sid: str, **fields: Any) -> Session:
    return Session(**{"sid": sid, "transport": POLLING, "created_ms": NOW, "last_seen_ms": NOW, "expires_at": FAR,
                      **fields})


def creates_once_and_reads_back(factory: Callable[[], Any]) -> None:
    store = factory()
    first = session("s1", namespaces={"/api": "x"}, handshake={"room": "a"}, due_ms=NOW + 5)
    assert store.create(first) is True
    assert store.create(session("s1")) is False
    got = store.get("s1")
    assert got is not None
    assert (got.namespaces, got.handshake, got.due_ms, got.version, got.outbox) == ({"/api": "x"}, {"room": "a"},
                                                                                    NOW + 5, 0, [])
    assert store.get("nope") is None
    assert set(store.get_many(["s1", "nope"])) == {"s1"}


def save_is_a_compare_and_set_that_leaves_outbox_and_lease_alone(factory: Callable[[], Any]) -> None:
    store = factory()
    store.create(session("s1"))
    assert store.append("s1", ["4a"], max_packets=10) == "queued"
    assert store.begin_poll("s1", "p1", now_ms=NOW, until_ms=NOW + 1000, due_ms=NOW + 9, expires_at=FAR)
    copy = store.get("s1")
    assert copy is not None
    copy.namespaces = {"/": "sock"}
    copy.version = 1
    copy.outbox, copy.poll_id = [], None  # a stale view of the store-kept fields must not be written back
    assert store.save(copy, expected_version=0) is True
    assert store.save(copy, expected_version=0) is False  # the version moved on
    stored = store.get("s1")
    assert stored is not None
    assert (stored.namespaces, stored.version, stored.outbox, stored.poll_id) == ({"/": "sock"}, 1, ["4a"], "p1")
    assert store.save(session("ghost", version=1), expected_version=0) is False


def append_reaches_only_open_polling_sessions_within_the_limit(factory: Callable[[], Any]) -> None:
    store = factory()
    store.create(session("p"))
    store.create(session("w", transport=WEBSOCKET, connection_id="c"))
    store.create(session("x", closed=True))
    assert store.append("p", ["4a", "4b"], max_packets=3) == "queued"
    assert store.append("p", ["4c", "4d"], max_packets=3) == "full"
    assert store.append("w", ["4a"], max_packets=3) == "not_polling"
    assert store.append("x", ["4a"], max_packets=3) == "gone"
    assert store.append("nope", ["4a"], max_packets=3) == "gone"
    assert store.take("p") == ["4a", "4b"]
    assert store.take("p") == []


def concurrent_appends_and_drains_never_lose_or_duplicate(factory: Callable[[], Any]) -> None:
    store = factory()
    store.create(session("s1"))
    sent = [f"4m{i}" for i in range(200)]
    received: list[str] = []
    lock = threading.Lock()
    done = threading.Event()

    def produce(batch: list[str]) -> None:
        for packet in batch:
            assert store.append("s1", [packet], max_packets=1000) == "queued"

    def drain() -> None:
        while not done.is_set():
            taken = store.take("s1")
            with lock:
                received.extend(taken)

    drainers = [threading.Thread(target=drain) for _ in range(3)]
    for thread in drainers:
        thread.start()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(produce, [sent[i::4] for i in range(4)]))
    done.set()
    for thread in drainers:
        thread.join()
    received.extend(store.take("s1"))
    assert sorted(received) == sorted(sent)  # every packet once: none lost, none twice


def the_poll_lease_is_exclusive_until_it_expires(factory: Callable[[], Any]) -> None:
    store = factory()
    store.create(session("s1"))
    with ThreadPoolExecutor(8) as pool:
        won = [r for r in pool.map(lambda i: store.begin_poll("s1", f"p{i}", now_ms=NOW, until_ms=NOW + 1000,
                                                              due_ms=NOW, expires_at=FAR), range(8)) if r]
    assert len(won) == 1
    holder = won[0].poll_id
    assert store.end_poll("s1", "someone-else", ping_ms=None) is None
    assert store.begin_poll("s1", "late", now_ms=NOW + 2000, until_ms=NOW + 3000, due_ms=NOW, expires_at=FAR)
    assert store.end_poll("s1", holder, ping_ms=None) is None  # its lease expired and was taken over
    store.append("s1", ["4a"], max_packets=10)
    assert store.end_poll("s1", "late", ping_ms=NOW + 2500) == ["4a"]
    stored = store.get("s1")
    assert stored is not None
    assert (stored.poll_id, stored.ping_ms, stored.version, stored.last_seen_ms) == (None, NOW + 2500, 1, NOW + 2000)


def begin_poll_refuses_closed_websocket_and_unknown_sessions(factory: Callable[[], Any]) -> None:
    store = factory()
    store.create(session("w", transport=WEBSOCKET))
    store.create(session("x", closed=True))
    for sid in ("w", "x", "nope"):
        assert store.begin_poll(sid, "p", now_ms=NOW, until_ms=NOW + 1, due_ms=NOW, expires_at=FAR) is None


def links_map_connections_to_sessions(factory: Callable[[], Any]) -> None:
    store = factory()
    store.link("conn=", "s1", expires_at=FAR)
    assert store.linked("conn=") == "s1"
    store.unlink("conn=")
    assert store.linked("conn=") is None


def due_lists_the_earliest_sessions_first(factory: Callable[[], Any]) -> None:
    store = factory()
    for name, due in (("a", NOW + 30), ("b", NOW + 10), ("c", None), ("d", NOW + 20), ("e", NOW + 99)):
        store.create(session(name, due_ms=due))
    assert store.due(NOW + 30, 10) == ["b", "d", "a"]
    assert store.due(NOW + 30, 2) == ["b", "d"]
    store.delete("b")
    assert store.due(NOW + 30, 10) == ["d", "a"]


CHECKS = [creates_once_and_reads_back, save_is_a_compare_and_set_that_leaves_outbox_and_lease_alone,
          append_reaches_only_open_polling_sessions_within_the_limit,
          concurrent_appends_and_drains_never_lose_or_duplicate, the_poll_lease_is_exclusive_until_it_expires,
          begin_poll_refuses_closed_websocket_and_unknown_sessions, links_map_connections_to_sessions,
          due_lists_the_earliest_sessions_first]
