"""An Engine.IO session as plain data, and the store interface that keeps it between Lambda invocations.

A Lambda keeps nothing between requests, so everything a Socket.IO server holds in memory per connection lives
in one record per session (DynamoDB with TTL in a service's store; `MemoryStore` in tests):

- `sid` (key), `transport` (`polling` | `websocket`), `connection_id` (the API Gateway WebSocket connection
  carrying a websocket session), `probe_connection` (a WebSocket probing an upgrade; a waiting GET then ends),
  `namespaces` (namespace → Socket.IO socket id), `handshake` (what the application kept of the handshake),
  `created_ms`, `greeted` (a websocket-only client got its open packet), `closed` and `close_reason`
  (`client` when the client closed it): written by `create` and `save`;
- `ping_ms` (when the client's ping timer was last reset: open or ping sent) and `pinged` (a ping waits for its
  pong): `save`, and `end_poll` for pings sent in a GET answer;
- `last_seen_ms` (start of the latest GET: a polling client's liveness): `create`, `begin_poll`;
- `due_ms` (when the heartbeat sweep must look again; None: never) and `expires_at` (TTL, epoch seconds):
  `save`, `begin_poll`;
- `version` (optimistic concurrency): `save` (compare-and-set), `end_poll` (when it records a ping);
- `outbox` (encoded packets for the next GET): `append`, `take`, `end_poll` only;
- `poll_id`, `poll_until_ms` (the lease of the GET in flight; a second concurrent GET is a protocol error):
  `begin_poll`, `end_poll` only.

The conditional operations are what make concurrent requests safe: `append` only reaches an open polling
session (after an upgrade it fails, and the producer pushes over the WebSocket instead), `take` and `end_poll`
remove the outbox atomically (two concurrent drains never both get a packet, and none is lost), `begin_poll`
takes the GET lease only when no other unexpired lease exists, and `save` is a compare-and-set on `version`.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal, Protocol

POLLING = "polling"
WEBSOCKET = "websocket"

AppendResult = Literal["queued", "gone", "not_polling", "full"]


@dataclass
class Session:
    sid: str
    transport: str
    created_ms: int
    last_seen_ms: int
    expires_at: int
    namespaces: dict[str, str] = field(default_factory=dict)
    handshake: dict[str, Any] = field(default_factory=dict)
    connection_id: str | None = None
    probe_connection: str | None = None
    ping_ms: int = 0
    pinged: bool = False
    greeted: bool = True
    closed: bool = False
    close_reason: str | None = None
    due_ms: int | None = None
    version: int = 0
    # kept by the store's own operations; read-only for `save`
    outbox: list[str] = field(default_factory=list)
    poll_id: str | None = None
    poll_until_ms: int | None = None

    def record(self) -> dict[str, Any]:
        """The session as a plain dict (JSON-able values only)."""
        return asdict(self)

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Session:
        known = {f.name for f in fields(cls)}
        return cls(**{k: copy.deepcopy(v) for k, v in record.items() if k in known})


# What `save` writes: everything but the fields that only the store's own operations change.
SAVED_FIELDS = ("transport", "connection_id", "probe_connection", "namespaces", "ping_ms", "pinged", "greeted",
                "closed", "close_reason", "due_ms", "expires_at", "version")


class SessionStore(Protocol):
    """Where sessions live between invocations. Every method is one atomic operation on one record."""

    def create(self, session: Session) -> bool:
        """Write a new session; False if the sid exists."""

    def get(self, sid: str, *, consistent: bool = True) -> Session | None:
        """The session with its outbox and lease; None if unknown or expired (TTL may delete lazily)."""

    def get_many(self, sids: Iterable[str]) -> dict[str, Session]:
        """Several sessions at once, strongly consistent (a fan-out reads them in one batch: BatchGetItem with
        ConsistentRead); missing ones are left out."""

    def save(self, session: Session, *, expected_version: int) -> bool:
        """Write SAVED_FIELDS (with `session.version`, which the engine has raised) if the stored version is
        still `expected_version`; False if it moved on or the session is gone."""

    def append(self, sid: str, packets: Sequence[str], *, max_packets: int) -> AppendResult:
        """Queue packets for the next polling GET, only if the session exists, is open and is on polling, and
        the outbox stays within `max_packets`."""

    def take(self, sid: str) -> list[str]:
        """Remove and return the whole outbox, atomically (the upgrade flushes it to the WebSocket)."""

    def begin_poll(self, sid: str, poll_id: str, *, now_ms: int, until_ms: int, due_ms: int,
                   expires_at: int) -> Session | None:
        """Take the GET lease (and set last_seen_ms = now_ms, due_ms, expires_at) if the session exists, is
        open, is on polling and holds no unexpired lease; the session as it is now, or None."""

    def end_poll(self, sid: str, poll_id: str, *, ping_ms: int | None) -> list[str] | None:
        """Release the lease and take the outbox atomically, if the lease is still `poll_id`; with `ping_ms`,
        also record that a ping was sent (ping_ms, version + 1). None if the lease was lost."""

    def delete(self, sid: str) -> None:
        """Forget the session."""

    def link(self, connection_id: str, sid: str, *, expires_at: int) -> None:
        """Remember which session a WebSocket connection carries (API Gateway's messages name the connection
        only; the query string with the sid reaches `$connect` alone)."""

    def linked(self, connection_id: str) -> str | None:
        """The sid a connection was linked to."""

    def unlink(self, connection_id: str) -> None:
        """Forget a connection."""

    def due(self, now_ms: int, limit: int) -> list[str]:
        """Up to `limit` sids whose due_ms <= now_ms (an index on due_ms, never a scan)."""


class MemoryStore:
    """The reference SessionStore: one lock, deep copies in and out. The behaviour every store must match
    (tests/support/socketio_store_contract.py checks a store against it)."""

    def __init__(self, clock: Any = None) -> None:
        self._sessions: dict[str, dict[str, Any]] = {}
        self._links: dict[str, tuple[str, int]] = {}
        self._lock = threading.Lock()
        self._clock = clock  # epoch seconds, to honour TTL like DynamoDB's read-time filtering would

    def _alive(self, record: Mapping[str, Any] | None) -> bool:
        if record is None:
            return False
        return self._clock is None or record["expires_at"] > self._clock()

    def create(self, session: Session) -> bool:
        with self._lock:
            if self._alive(self._sessions.get(session.sid)):
                return False
            self._sessions[session.sid] = session.record()
            return True

    def get(self, sid: str, *, consistent: bool = True) -> Session | None:
        with self._lock:
            record = self._sessions.get(sid)
            return Session.from_record(record) if self._alive(record) else None

    def get_many(self, sids: Iterable[str]) -> dict[str, Session]:
        found = {}
        for sid in set(sids):
            session = self.get(sid, consistent=False)
            if session is not None:
                found[sid] = session
        return found

    def save(self, session: Session, *, expected_version: int) -> bool:
        with self._lock:
            record = self._sessions.get(session.sid)
            if not self._alive(record) or record["version"] != expected_version:
                return False
            update = session.record()
            record.update({k: update[k] for k in SAVED_FIELDS})
            return True

    def append(self, sid: str, packets: Sequence[str], *, max_packets: int) -> AppendResult:
        with self._lock:
            record = self._sessions.get(sid)
            if not self._alive(record) or record["closed"]:
                return "gone"
            if record["transport"] != POLLING:
                return "not_polling"
            if len(record["outbox"]) + len(packets) > max_packets:
                return "full"
            record["outbox"].extend(packets)
            return "queued"

    def take(self, sid: str) -> list[str]:
        with self._lock:
            record = self._sessions.get(sid)
            if record is None:
                return []
            taken, record["outbox"] = record["outbox"], []
            return taken

    def begin_poll(self, sid: str, poll_id: str, *, now_ms: int, until_ms: int, due_ms: int,
                   expires_at: int) -> Session | None:
        with self._lock:
            record = self._sessions.get(sid)
            if not self._alive(record) or record["closed"] or record["transport"] != POLLING:
                return None
            if record["poll_id"] is not None and (record["poll_until_ms"] or 0) >= now_ms:
                return None
            record.update(poll_id=poll_id, poll_until_ms=until_ms, last_seen_ms=now_ms, due_ms=due_ms,
                          expires_at=expires_at)
            return Session.from_record(record)

    def end_poll(self, sid: str, poll_id: str, *, ping_ms: int | None) -> list[str] | None:
        with self._lock:
            record = self._sessions.get(sid)
            if record is None or record["poll_id"] != poll_id:
                return None
            taken, record["outbox"] = record["outbox"], []
            record.update(poll_id=None, poll_until_ms=None)
            if ping_ms is not None:
                record.update(ping_ms=ping_ms, version=record["version"] + 1)
            return taken

    def delete(self, sid: str) -> None:
        with self._lock:
            self._sessions.pop(sid, None)

    def link(self, connection_id: str, sid: str, *, expires_at: int) -> None:
        with self._lock:
            self._links[connection_id] = (sid, expires_at)

    def linked(self, connection_id: str) -> str | None:
        with self._lock:
            found = self._links.get(connection_id)
            if found is None or (self._clock is not None and found[1] <= self._clock()):
                return None
            return found[0]

    def unlink(self, connection_id: str) -> None:
        with self._lock:
            self._links.pop(connection_id, None)

    def due(self, now_ms: int, limit: int) -> list[str]:
        with self._lock:
            ready = sorted((r["due_ms"], sid) for sid, r in self._sessions.items()
                           if r["due_ms"] is not None and r["due_ms"] <= now_ms and self._alive(r))
            return [sid for _, sid in ready[:limit]]
