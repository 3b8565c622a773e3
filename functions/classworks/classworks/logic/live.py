"""Live KV changes over API Gateway WebSocket (the original's Socket.IO channel, notes/kv.md §2), minus Socket.IO's
own framing: every message is plain JSON `{"event": <name>, "data": {...}}`, with the original's event names and
payload fields.

- A client joins the room of a device with an app token: `?token=` / `?apptoken=` on the handshake (an unknown
  token refuses the handshake with 401, since nothing can be sent before `$connect` returns), or the message
  `{"action": "join-token", "token": ...}` (or `apptoken`) → `joined {by, uuid, token}` | `join-error {by,
  reason: "invalid_token"}`. Each join pushes `device-joined {uuid, connections}` to the room.
- `{"action": "leave-token", "token"}` and `{"action": "leave-all"}` leave (no answer, as in the original);
  `ping` or `{"action": "ping"}` → `pong {time}`.
- The KV table's stream feeds `kv-key-changed {uuid, key, action: "upsert", created, updatedAt}` or `{uuid, key,
  action: "delete", deletedAt}` to every connection of that device whose token may read the key (the KV routes'
  own `key_allowed` rule, with the token's current permissions).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from classworks import clock
from classworks.logic import tokens
from classworks.logic.permissions import key_allowed
from classworks.store import installs, live, pushes
from classworks.store import kv as kv_store
from suite import observability

JOIN_TOKEN_PARAMETERS = ("token", "apptoken")


def frame(event: str, data: Mapping[str, Any]) -> bytes:
    return json.dumps({"event": event, "data": data}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# ------------------------------------------------------------------------------------------------ the socket

def connect(connection_id: str, token: str | None) -> int:
    """The handshake's HTTP status: 200 (joined, or no token yet), 401 for a token we do not know."""
    if token is None:
        return 200
    caller = tokens.authenticate(token)
    if caller is None:
        return 401
    _join(connection_id, caller, connecting=True)
    return 200


def disconnect(connection_id: str) -> None:
    live.leave(connection_id)


def _join(connection_id: str, caller: tokens.Caller, *, connecting: bool = False) -> None:
    live.join(connection_id, caller.digest, caller.device_uuid, now_epoch=clock.epoch())
    members = live.room(caller.device_uuid)
    connections = {m["connectionId"] for m in members} | {connection_id}
    announcement = frame("device-joined", {"uuid": caller.device_uuid, "connections": len(connections)})
    for other in sorted(connections):
        if connecting and other == connection_id:
            continue  # API Gateway accepts no pushes to a connection before its $connect has returned
        if not pushes.post(other, announcement):
            live.leave(other)


def _payload(body: str) -> tuple[str, dict[str, Any]]:
    """(action, fields) of a client message: `ping`, or JSON with `action` (fields may sit under `data`)."""
    text = (body or "").strip()
    try:
        parsed = json.loads(text) if text.startswith("{") else None
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        return text.lower(), {}
    fields = parsed.get("data") if isinstance(parsed.get("data"), dict) else parsed
    return str(parsed.get("action") or parsed.get("event") or ""), fields


def _presented(fields: Mapping[str, Any]) -> str | None:
    token = fields.get("token") or fields.get("apptoken")
    return token if isinstance(token, str) and token else None


def message(connection_id: str, body: str) -> bytes | None:
    """The answer to one client message (sent back on the same connection), or None for no answer."""
    action, fields = _payload(body)
    if action == "ping":
        return frame("pong", {"time": clock.now_ms()})
    if action == "join-token":
        caller = tokens.authenticate(_presented(fields))
        if caller is None:
            return frame("join-error", {"by": "token", "reason": "invalid_token"})
        _join(connection_id, caller)
        return frame("joined", {"by": "token", "uuid": caller.device_uuid, "token": caller.token})
    if action == "leave-token":
        caller = tokens.authenticate(_presented(fields))
        if caller is not None:
            live.leave(connection_id, device_uuid=caller.device_uuid, digest=caller.digest)
        return None
    if action == "leave-all":
        live.leave(connection_id)
        return None
    return frame("error", {"reason": "unknown_action", "actions": ["join-token", "leave-token", "leave-all",
                                                                   "ping"]})


# ------------------------------------------------------------------------------------------------ the stream

def change_of(change: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """(device uuid, kv-key-changed data) of one KvTable stream change (store.kv.stream_change); None for records
    that are no change."""
    keys = change["keys"]
    device, key = keys.get("device"), keys.get("key")
    if not device or not key:
        return None
    if change["event"] == "REMOVE":
        deleted_at = clock.iso_utc(float(change["at"] or clock.now()))
        return device, {"uuid": device, "key": key, "action": "delete", "deletedAt": deleted_at}
    image = change["image"]
    if not image.get("updatedAt"):
        # Every stored value has updatedAt. moto (the local stack) records an UpdateItem that creates an item as
        # two INSERTs, the first with the keys only: that one is not a change anybody could read.
        return None
    data = {"uuid": device, "key": key, "action": "upsert", "created": change["event"] == "INSERT",
            "updatedAt": image.get("updatedAt")}
    if image.get("viaBatch"):
        data["batch"] = True  # one key of a batch import, as the original flagged it
    return device, data


class Listeners:
    """Who listens to a device, read once per batch: its room and the current records of the tokens used."""

    def __init__(self) -> None:
        self._rooms: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}

    def of(self, device: str) -> list[tuple[str, Mapping[str, Any]]]:
        """(connection id, token record) pairs; memberships whose token was revoked are removed."""
        if device not in self._rooms:
            members = live.room(device)
            records = installs.by_token_digests({m["tokenDigest"] for m in members}) if members else {}
            live.forget(m for m in members if m["tokenDigest"] not in records)
            self._rooms[device] = [(m["connectionId"], records[m["tokenDigest"]]) for m in members
                                   if m["tokenDigest"] in records]
        return self._rooms[device]

    def drop(self, connection_id: str) -> None:
        live.leave(connection_id)
        for device, pairs in self._rooms.items():
            self._rooms[device] = [(c, r) for c, r in pairs if c != connection_id]


def push_change(record: Mapping[str, Any], listeners: Listeners) -> int:
    """Send one change to every connection of its device that may read the key (once per connection, even
    when it joined with several tokens); how many got it. Gone connections are dropped."""
    change = change_of(kv_store.stream_change(record))
    if change is None:
        return 0
    device, data = change
    allowed = {connection_id for connection_id, token in listeners.of(device)
               if key_allowed(data["key"], token.get("permissionPrefix"), token.get("specialPermissions") or ())}
    payload = frame("kv-key-changed", data)
    sent = 0
    for connection_id in sorted(allowed):
        if pushes.post(connection_id, payload):
            sent += 1
        else:
            listeners.drop(connection_id)
    return sent


def push_changes(records: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """A stream batch, in order. On the first record that fails, report it and stop: Lambda retries the shard
    from that sequence number, so the records after it must not be sent now (they would arrive twice)."""
    listeners = Listeners()
    for record in records:
        try:
            push_change(record, listeners)
        except Exception:
            observability.logger().exception("kv-key-changed push failed; the shard retries from this record")
            return [{"itemIdentifier": record["dynamodb"]["SequenceNumber"]}]
    return []
