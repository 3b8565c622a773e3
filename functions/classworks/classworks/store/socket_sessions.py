"""Socket.IO sessions in ClassworksTable: suite.socketio's SessionStore on DynamoDB (docs/classworks-clients.md
§4.2), one atomic call per operation, each guarded by the condition that makes concurrent requests safe.

- session: `SIO#<sid>` / `SESSION`, every `suite.socketio.Session` field (None fields are left out: a missing
  attribute is what `attribute_not_exists` tests), `expires_at` (TTL, epoch seconds);
- the sparse index `byDue` (`dueShard` = `SIODUE#<crc32(sid) % 4>`, `due_ms`; only sessions with a `due_ms` are
  in it) that the heartbeat sweep reads with one Query per shard, never a Scan;
- link: `SIOCONN#<connection id>` / `LINK` → `sid` (API Gateway names only the connection on `$default` and
  `$disconnect`).

TTL deletes lazily, so every read treats `expires_at <= now` as missing, and every condition refuses expired
items. `tests/support/socketio_store_contract.py` holds this store to the engine's rules on moto.
"""

from __future__ import annotations

import contextvars
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from classworks import config
from suite import dynamo
from suite.socketio.session import POLLING, SAVED_FIELDS, AppendResult, Session

SESSION = "SESSION"
LINK = "LINK"
DUE_INDEX = "byDue"
DUE_SHARDS = 4
_FIELDS = tuple(Session.__dataclass_fields__)

# The links read during one invocation (`remembering()`): the WebSocket handler asks whether a connection is a
# Socket.IO one, and the engine asks again right after; one GetItem serves both.
_LINKS: contextvars.ContextVar[dict[str, str | None] | None] = contextvars.ContextVar("socket_links", default=None)


def session_pk(sid: str) -> str:
    return f"SIO#{sid}"


def link_pk(connection_id: str) -> str:
    return f"SIOCONN#{connection_id}"


def due_shard(sid: str) -> str:
    return f"SIODUE#{zlib.crc32(sid.encode('utf-8')) % DUE_SHARDS}"


def _names(fields: Iterable[str]) -> dict[str, str]:
    return {f"#{name}": name for name in fields}


def _session(item: Mapping[str, Any] | None) -> Session | None:
    if item is None:
        return None
    return Session.from_record({k: v for k, v in item.items() if k in _FIELDS})


class SessionTable:
    """The SessionStore of classworks' Socket.IO engine. `clock` gives epoch seconds (TTL is read against it)."""

    def __init__(self, table: str | None = None, *, clock: Callable[[], float] = time.time) -> None:
        self._table = table
        self._clock = clock

    @property
    def table(self) -> str:
        return self._table or config.table()

    def _now(self) -> int:
        return int(self._clock())

    def _alive(self, item: Mapping[str, Any] | None) -> bool:
        return item is not None and int(item.get("expires_at") or 0) > self._now()

    def _update(self, sid: str, expression: str, *, condition: str, values: Mapping[str, Any],
                names: Mapping[str, str] | None = None, returns: str = "NONE",
                on_failure: str | None = None) -> tuple[bool, dict[str, Any] | None]:
        """One conditional UpdateItem on a session: (done, the attributes asked for — or on failure, the old
        item when `on_failure` asks for it)."""
        request: dict[str, Any] = {
            "TableName": self.table, "Key": dynamo.key(session_pk(sid), SESSION), "UpdateExpression": expression,
            "ConditionExpression": condition, "ReturnValues": returns}
        if values:
            request["ExpressionAttributeValues"] = dynamo.expression_values(values)
        if names:
            request["ExpressionAttributeNames"] = dict(names)
        if on_failure:
            request["ReturnValuesOnConditionCheckFailure"] = on_failure
        try:
            answer = dynamo.client().update_item(**request)
        except Exception as exc:
            if not dynamo.is_condition_failure(exc):
                raise
            old = getattr(exc, "response", {}).get("Item")
            return False, dynamo.from_item(old) if old else None
        return True, dynamo.from_item(answer.get("Attributes"))

    # ---------------------------------------------------------------------------------------------- sessions

    def create(self, session: Session) -> bool:
        item = {k: v for k, v in session.record().items() if v is not None}
        item.update(pk=session_pk(session.sid), sk=SESSION)
        if session.due_ms is not None:
            item["dueShard"] = due_shard(session.sid)
        return dynamo.put_if(self.table, item, condition="attribute_not_exists(pk) OR expires_at <= :now",
                             values={":now": self._now()})

    def get(self, sid: str, *, consistent: bool = True) -> Session | None:
        item = dynamo.get(self.table, session_pk(sid), SESSION, consistent=consistent)
        return _session(item) if self._alive(item) else None

    def get_many(self, sids: Iterable[str]) -> dict[str, Session]:
        found = dynamo.batch_get(self.table, [(session_pk(sid), SESSION) for sid in set(sids)])
        sessions = (_session(item) for item in found.values() if self._alive(item))
        return {session.sid: session for session in sessions if session is not None}

    def save(self, session: Session, *, expected_version: int) -> bool:
        values: dict[str, Any] = {":v0": expected_version, ":now": self._now()}
        sets, removes = [], []
        for name in SAVED_FIELDS:
            value = getattr(session, name)
            if value is None:
                removes.append(f"#{name}")
            else:
                sets.append(f"#{name} = :{name}")
                values[f":{name}"] = value
        names = _names(SAVED_FIELDS)
        if session.due_ms is None:
            removes.append("dueShard")
        else:
            sets.append("dueShard = :shard")
            values[":shard"] = due_shard(session.sid)
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        done, _ = self._update(session.sid, expression, names=names, values=values,
                               condition="attribute_exists(pk) AND #version = :v0 AND expires_at > :now")
        return done

    def append(self, sid: str, packets: Sequence[str], *, max_packets: int) -> AppendResult:
        room = max_packets - len(packets)
        if room < 0:
            return "full"
        try:
            done, old = self._update(
                sid, "SET outbox = list_append(if_not_exists(outbox, :empty), :packets)",
                condition=("attribute_exists(pk) AND closed = :false AND #transport = :polling AND expires_at > :now"
                           " AND (attribute_not_exists(outbox) OR size(outbox) <= :room)"),
                names={"#transport": "transport"},
                values={":empty": [], ":packets": list(packets), ":false": False, ":polling": POLLING,
                        ":now": self._now(), ":room": room},
                on_failure="ALL_OLD")
        except Exception as exc:
            if dynamo.error_code(exc) == "ValidationException":  # the item would outgrow 400 KB
                return "full"
            raise
        if done:
            return "queued"
        if old is None:  # (a store that does not say why: read it)
            old = dynamo.get(self.table, session_pk(sid), SESSION)
        if not self._alive(old) or old.get("closed"):
            return "gone"
        if old.get("transport") != POLLING:
            return "not_polling"
        return "full"

    def take(self, sid: str) -> list[str]:
        done, old = self._update(sid, "REMOVE outbox", condition="attribute_exists(pk)", values={},
                                 returns="UPDATED_OLD")
        return list((old or {}).get("outbox") or []) if done else []

    def begin_poll(self, sid: str, poll_id: str, *, now_ms: int, until_ms: int, due_ms: int,
                   expires_at: int) -> Session | None:
        done, item = self._update(
            sid, ("SET poll_id = :poll, poll_until_ms = :until, last_seen_ms = :seen, due_ms = :due, "
                  "dueShard = :shard, expires_at = :expires"),
            condition=("attribute_exists(pk) AND closed = :false AND #transport = :polling AND expires_at > :now"
                       " AND (attribute_not_exists(poll_id) OR poll_until_ms < :seen)"),
            names={"#transport": "transport"},
            values={":poll": poll_id, ":until": until_ms, ":seen": now_ms, ":due": due_ms, ":shard": due_shard(sid),
                    ":expires": expires_at, ":false": False, ":polling": POLLING, ":now": self._now()},
            returns="ALL_NEW")
        return _session(item) if done else None

    def end_poll(self, sid: str, poll_id: str, *, ping_ms: int | None) -> list[str] | None:
        expression = "REMOVE outbox, poll_id, poll_until_ms"
        values: dict[str, Any] = {":poll": poll_id}
        names = None
        if ping_ms is not None:
            expression = "SET ping_ms = :ping, #version = #version + :one " + expression
            values.update({":ping": ping_ms, ":one": 1})
            names = {"#version": "version"}
        done, old = self._update(sid, expression, condition="poll_id = :poll", values=values, names=names,
                                 returns="UPDATED_OLD")
        return list((old or {}).get("outbox") or []) if done else None

    def delete(self, sid: str) -> None:
        dynamo.delete(self.table, session_pk(sid), SESSION)

    # ---------------------------------------------------------------------------------------------- links

    @contextmanager
    def remembering(self) -> Iterator[None]:
        """Within this block (one invocation), a link read once is not read again."""
        token = _LINKS.set({})
        try:
            yield
        finally:
            _LINKS.reset(token)

    def _remember(self, connection_id: str, sid: str | None) -> None:
        memo = _LINKS.get()
        if memo is not None:
            memo[connection_id] = sid

    def link(self, connection_id: str, sid: str, *, expires_at: int) -> None:
        dynamo.put(self.table, {"pk": link_pk(connection_id), "sk": LINK, "sid": sid, "expires_at": expires_at})
        self._remember(connection_id, sid)

    def linked(self, connection_id: str) -> str | None:
        memo = _LINKS.get()
        if memo is not None and connection_id in memo:
            return memo[connection_id]
        item = dynamo.get(self.table, link_pk(connection_id), LINK)
        sid = item["sid"] if self._alive(item) else None
        self._remember(connection_id, sid)
        return sid

    def unlink(self, connection_id: str) -> None:
        dynamo.delete(self.table, link_pk(connection_id), LINK)
        self._remember(connection_id, None)

    # ---------------------------------------------------------------------------------------------- the sweep

    def due(self, now_ms: int, limit: int) -> list[str]:
        """The earliest-due sessions, one Query per shard of `byDue`, merged. Sessions whose TTL has passed (but
        that DynamoDB has not deleted yet) are deleted here rather than handed out again and again."""
        found: list[tuple[int, str]] = []
        expired: list[str] = []
        for shard in range(DUE_SHARDS):
            answer = dynamo.client().query(
                TableName=self.table, IndexName=DUE_INDEX, Limit=limit,
                KeyConditionExpression="dueShard = :shard AND due_ms <= :now",
                ExpressionAttributeValues=dynamo.expression_values({":shard": f"SIODUE#{shard}", ":now": now_ms}))
            for raw in answer.get("Items", []):
                item = dynamo.from_item(raw) or {}
                sid = str(item["pk"]).removeprefix("SIO#")
                if self._alive(item):
                    found.append((int(item["due_ms"]), sid))
                else:
                    expired.append(sid)
        for sid in expired:
            self.delete(sid)
        return [sid for _, sid in sorted(found)[:limit]]
