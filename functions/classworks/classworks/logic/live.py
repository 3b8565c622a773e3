"""Live KV changes (docs/classworks.md "Live changes"): the unframed JSON protocol over API Gateway WebSocket (a
documented extra beside Socket.IO), and KvTable's stream, whose changes reach every member of a device's room in
the protocol each speaks (logic/rooms.py).

The unframed protocol: every message is plain JSON `{"event": <name>, "data": {...}}`, with the original's event
names and payload fields.

- A client joins the room of a device with an app token: `?token=` / `?apptoken=` on the handshake (an unknown
  token refuses the handshake with 401, since nothing can be sent before `$connect` returns), or the message
  `{"action": "join-token", "token": ...}` (or `apptoken`) → `joined {by, uuid, token}` | `join-error {by,
  reason: "invalid_token"}`. Each join sends `device-joined {uuid, connections}` to the room.
- `{"action": "leave-token", "token"}` and `{"action": "leave-all"}` leave (no answer, as in the original);
  `ping` or `{"action": "ping"}` → `pong {time}`.

The stream: each write or delete of a device's key goes to every member of that device's room whose token may
read the key (logic/permissions.py, with the token's current record), once per client: JSON-protocol
connections get the flat `kv-key-changed {uuid, key, action: "upsert", created, updatedAt, batch?}` / `{uuid,
key, action: "delete", deletedAt}` (SOCKET_API.md's form), Socket.IO sockets the wrapped form the original sends
at HEAD, `{eventId, content: {key, action, ...}, timestamp, senderId: "realtime", senderInfo}`, which the board
reads. A change sent to a room with any member is recorded in the device's event history.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from classworks import clock
from classworks.logic import board_socket, rooms, socket_engine, tokens
from classworks.logic.permissions import token_allows
from classworks.store import kv as kv_store
from classworks.store import live
from suite import observability

JOIN_TOKEN_PARAMETERS = ("token", "apptoken")


frame = rooms.frame
REALTIME_SENDER = {"appId": "5c2a54d553951a37b47066ead68c8642", "deviceType": "server", "deviceName": "realtime",
                   "isReadOnly": False, "note": "Database realtime sync"}  # the original's, which the board knows


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
    me = {"kind": live.CONNECTION, "connectionId": connection_id, "tokenDigest": caller.digest,
          "deviceUuid": caller.device_uuid}
    members = [*live.room(caller.device_uuid), me]
    announcement = {"uuid": caller.device_uuid, "connections": rooms.connections(members)}
    if connecting:  # API Gateway accepts no pushes to a connection before its $connect has returned
        members = [m for m in members if rooms.member_id(m) != (connection_id,)]
    rooms.send(socket_engine.engine(), members, "device-joined", socket_payload=announcement,
               connection_data=announcement)


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


def wrapped(data: Mapping[str, Any]) -> dict[str, Any]:
    """The original's kv-key-changed at HEAD (broadcastKeyChanged): the change as `content`, without the uuid."""
    return {"eventId": board_socket.event_id("kv-"), "content": {k: v for k, v in data.items() if k != "uuid"},
            "timestamp": clock.now_iso(), "senderId": "realtime", "senderInfo": dict(REALTIME_SENDER)}


class Listeners:
    """Who listens to a device, read once per batch (logic/rooms.py `listeners`)."""

    def __init__(self) -> None:
        self._rooms: dict[str, list[rooms.Listener]] = {}

    def of(self, device: str) -> list[rooms.Listener]:
        if device not in self._rooms:
            self._rooms[device] = rooms.listeners(device)
        return self._rooms[device]

    def drop(self, device: str, gone: set[tuple[str, ...]]) -> None:
        """Forget clients an event found gone (their memberships are already removed from the table)."""
        self._rooms[device] = [entry for entry in self._rooms.get(device, [])
                               if rooms.member_id(entry.member) not in gone]


def push_change(record: Mapping[str, Any], listeners: Listeners) -> int:
    """Send one change to every client in its device's room whose token may read the key (once per client,
    even when it joined with several tokens); how many got it. Gone clients are dropped."""
    change = change_of(kv_store.stream_change(record))
    if change is None:
        return 0
    device, data = change
    present = listeners.of(device)
    if not present:
        return 0
    allowed = [entry.member for entry in present if token_allows(entry.token, data["key"])]
    socket_payload = wrapped(data)
    board_socket.BoardApp.record([device], "kv-key-changed", socket_payload)
    delivery = rooms.send(socket_engine.engine(), allowed, "kv-key-changed", socket_payload=socket_payload,
                          connection_data=data)
    reached = {rooms.member_id(m) for m in delivery.reached}
    listeners.drop(device, {rooms.member_id(m) for m in allowed} - reached)
    _renew(delivery.reached)
    return len(delivery.reached)


def _renew(reached: Iterable[Mapping[str, Any]]) -> None:
    """Socket.IO memberships that a change reached with less than half of their life left live on (a polling
    session has no end of its own)."""
    now_ms = clock.now_ms()
    half = live.SOCKET_MEMBERSHIP_SECONDS // 2
    ageing = [m for m in reached if m.get("kind") == live.SOCKET and m.get("expires_at")
              and int(m["expires_at"]) - now_ms // 1000 < half]
    if ageing:
        live.renew_sockets(ageing, now_ms=now_ms)


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
