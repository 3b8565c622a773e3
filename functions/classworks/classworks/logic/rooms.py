"""A device's room: who listens to a device, and sending one event to them, whatever protocol each member speaks
(docs/classworks.md "Live changes").

Members (store/live.py) are WebSocket connections of the unframed JSON protocol (`{"event", "data"}` frames
through PostToConnection) and Socket.IO sockets (a session in a namespace; `engine.emit_many`, which queues for a
polling GET or pushes over the WebSocket). A member whose token was revoked is forgotten when it is found; so
is one whose connection or session is gone when an event cannot reach it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from classworks.store import installs, live, pushes
from suite.socketio import Engine


def frame(event: str, data: Mapping[str, Any]) -> bytes:
    """One frame of the unframed JSON protocol."""
    return json.dumps({"event": event, "data": data}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def member_id(member: Mapping[str, Any]) -> tuple[str, ...]:
    """Who a member is, whatever token it joined with: a connection, or a socket (sid, namespace)."""
    if member.get("kind") == live.SOCKET:
        return (member["sid"], member["namespace"])
    return (member["connectionId"],)


@dataclass(frozen=True)
class Listener:
    member: Mapping[str, Any]
    token: Mapping[str, Any]  # the token's current record (its scope and grants, read now)


def listeners(device_uuid: str) -> list[Listener]:
    """The room of a device with each member's token as it is now; members of revoked tokens are removed."""
    members = live.room(device_uuid)
    if not members:
        return []
    records = installs.by_token_digests({m["tokenDigest"] for m in members})
    live.forget(m for m in members if m["tokenDigest"] not in records)
    return [Listener(m, records[m["tokenDigest"]]) for m in members if m["tokenDigest"] in records]


def connections(members: Iterable[Mapping[str, Any]]) -> int:
    """How many clients are in a room (each connection and each socket once)."""
    return len({member_id(m) for m in members})


@dataclass(frozen=True)
class Delivery:
    reached: list[Mapping[str, Any]]  # one member per client that got the event


def send(engine: Engine, members: Sequence[Mapping[str, Any]], event: str, *, socket_payload: Any,
         connection_data: Mapping[str, Any]) -> Delivery:
    """The event once to each client among `members`: Socket.IO sockets get `socket_payload`, JSON-protocol
    connections `{"event", "data": connection_data}`. Clients found gone lose their memberships."""
    unique: dict[tuple[str, ...], Mapping[str, Any]] = {}
    for member in members:
        unique.setdefault(member_id(member), member)
    sockets = {who: m for who, m in unique.items() if m.get("kind") == live.SOCKET}
    reached: list[Mapping[str, Any]] = []
    if sockets:
        answers = engine.emit_many([(m["sid"], m["namespace"]) for m in sockets.values()], event, socket_payload)
        for member in sockets.values():
            if answers.get((member["sid"], member["namespace"])):
                reached.append(member)
            else:
                live.leave_socket(member["sid"], member["namespace"])
    payload = frame(event, connection_data)
    for who, member in unique.items():
        if who in sockets:
            continue
        if pushes.post(member["connectionId"], payload):
            reached.append(member)
        else:
            live.leave(member["connectionId"])
    return Delivery(reached)
