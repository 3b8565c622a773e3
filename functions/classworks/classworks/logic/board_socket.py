"""The original's Socket.IO events (its utils/socket.js at HEAD, docs/classworks-clients.md §2.3) as a
suite.socketio Application: what a Socket.IO client of classworks may do, with the original's event names and
payloads, no acknowledgements (the original never sends one).

- On connect (any of the namespaces `/`, `/api`, `/api/`): a token in the handshake query (`?token=` or
  `?apptoken=`) or in the CONNECT packet's auth payload (`{token}`) joins as `join-token` does.
- `join-token {token | apptoken}` → `device-joined {uuid, connections}` to the whole room (the sender too), then
  `joined {by: "token", uuid, token, tokenInfo: {isReadOnly, deviceType, deviceName, userAgent}}`; an unknown
  token → `join-error {by: "token", reason: "invalid_token"}`. The socket's current token (for `send-event`) is
  the one it joined with last.
- `leave-token {token}` leaves that token's device; `leave-all` every device; no answer.
- `send-event {type, content}` → `<type>` to the rooms the socket joined (the sender itself excluded) with
  `{eventId, content, timestamp, senderId, senderInfo}`, recorded in each device's history, then `event-sent` to
  the sender; or `event-error {reason}` (the original's reasons and checks).
- `get-event-history {limit?, offset?}` → `event-history {devices: {<uuid>: [records]}, timestamp, requestedBy}`
  or `event-history-error {reason: "not_joined_any_device"}`.

Memberships are per socket (sid, namespace) in store/live.py; a revoked token's memberships stop counting at
once. Only the token's digest is kept with the session; a handshake token (which the `joined` answer echoes) is
kept sealed with KMS until the socket connects.
"""

from __future__ import annotations

import json
import math
import re
import secrets
import string
from collections.abc import Mapping
from typing import Any

from classworks import clock, ids
from classworks.logic import rooms, tokens
from classworks.store import event_history, installs, live, sealed
from suite.socketio import Engine, Socket
from suite.socketio.packets import RESERVED_EVENTS

TOKEN_FIELD = "socket_token"  # noqa: S105 (the name of a sealed field, not a secret)
MAX_EVENT_CONTENT = 10_240  # characters of the content's JSON, as the original's JSON.stringify(content).length
HISTORY_DEFAULT_LIMIT = 50
HISTORY_MAX = 1000  # the original kept at most 1000 events per device
MAX_AGENT = 256
_BASE36 = string.digits + string.ascii_lowercase


def event_id(prefix: str = "") -> str:
    """`<ms>-<9 base-36 characters>` (the original's), with `kv-` for key changes."""
    return f"{prefix}{clock.now_ms()}-{''.join(secrets.choice(_BASE36) for _ in range(9))}"


_SYSTEMS = (("Windows", "Windows"), ("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"),
            ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))
_BROWSERS = (("Edg/", "Microsoft Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
             ("Safari/", "Safari"), ("python-socketio", "python-socketio"), ("python-requests", "python-requests"))


def device_name(user_agent: str | None) -> str:
    """A short name for the client from its user agent, like the original's (which used a device detector):
    `<system> (<browser> <major version>)`, or "Unknown Device"."""
    agent = user_agent or ""
    system = next((name for marker, name in _SYSTEMS if marker in agent), "")
    browser = ""
    for marker, name in _BROWSERS:
        if marker in agent:
            version = re.search(re.escape(marker.rstrip("/")) + r"/(\d+)", agent)
            browser = f"{name} {version.group(1)}" if version else name
            break
    if system and browser:
        return f"{system} ({browser})"
    return system or browser or "Unknown Device"


def _token_of(payload: Any) -> str | None:
    if not isinstance(payload, Mapping):
        return None
    token = payload.get("token") or payload.get("apptoken")
    return token if isinstance(token, str) and token else None


class BoardApp:
    """The Application; `engine` is set by whoever builds the engine (logic/socket_engine.py)."""

    def __init__(self) -> None:
        self.engine: Engine | None = None

    def _engine(self) -> Engine:
        if self.engine is None:
            raise RuntimeError("the board's Socket.IO application has no engine")
        return self.engine

    # ---------------------------------------------------------------------------------------------- callbacks

    def handshake(self, query: Mapping[str, str], headers: Mapping[str, str]) -> dict[str, Any]:
        kept: dict[str, Any] = {"agent": (headers.get("user-agent") or "")[:MAX_AGENT]}
        token = query.get("token") or query.get("apptoken")
        if token and len(token) <= tokens.MAX_TOKEN_LENGTH:
            digest = ids.token_digest(token)
            kept.update(tokenDigest=digest, tokenSealed=sealed.seal(token, TOKEN_FIELD, owner=digest))
        return kept

    def connect(self, socket: Socket, auth: Any) -> None:
        token = _token_of(auth)
        if token is None and socket.handshake.get("tokenSealed"):
            digest = socket.handshake["tokenDigest"]
            token = sealed.unseal(socket.handshake["tokenSealed"], TOKEN_FIELD, owner=digest)
        if token is not None:
            self.join(socket, token)

    def event(self, socket: Socket, name: str, args: list[Any]) -> list[Any] | None:
        payload = args[0] if args else None
        if name == "join-token":
            token = _token_of(payload)
            if token is not None:
                self.join(socket, token)
        elif name == "leave-token":
            caller = tokens.authenticate(_token_of(payload))
            if caller is not None:
                live.leave_socket(socket.sid, socket.namespace, device_uuid=caller.device_uuid)
        elif name == "leave-all":
            live.leave_socket(socket.sid, socket.namespace)
        elif name == "send-event":
            self.send_event(socket, payload)
        elif name == "get-event-history":
            self.event_history(socket, payload)
        return None  # the original acknowledges nothing

    def disconnect(self, socket: Socket, reason: str) -> None:
        live.leave_socket(socket.sid, socket.namespace)

    # ---------------------------------------------------------------------------------------------- joining

    def join(self, socket: Socket, token: str) -> None:
        caller = tokens.authenticate(token)
        if caller is None:
            socket.emit("join-error", {"by": "token", "reason": "invalid_token"})
            return
        device = caller.device_uuid
        live.join_socket(socket.sid, socket.namespace, caller.digest, device, now_ms=clock.now_ms())
        me = {"kind": live.SOCKET, "sid": socket.sid, "namespace": socket.namespace, "tokenDigest": caller.digest,
              "deviceUuid": device}
        members = [*live.room(device), me]  # (the room is read eventually consistent: it may not show us yet)
        announcement = {"uuid": device, "connections": rooms.connections(members)}
        rooms.send(self._engine(), members, "device-joined", socket_payload=announcement,
                   connection_data=announcement)
        agent = socket.handshake.get("agent") or None
        socket.emit("joined", {"by": "token", "uuid": device, "token": token, "tokenInfo": {
            "isReadOnly": caller.read_only, "deviceType": caller.record.get("deviceType"),
            "deviceName": _device_name(agent, caller.record.get("note")), "userAgent": agent}})

    def _joined(self, socket: Socket) -> tuple[list[str], Mapping[str, Any] | None]:
        """The devices this socket is in (memberships of revoked tokens forgotten) and its current token's
        record (the one it joined with last)."""
        memberships = live.socket_memberships(socket.sid, socket.namespace)
        if not memberships:
            return [], None
        records = installs.by_token_digests({m["tokenDigest"] for m in memberships})
        gone = [m for m in memberships if m["tokenDigest"] not in records]
        if gone:
            live.forget(gone)
        current = [m for m in memberships if m["tokenDigest"] in records]
        if not current:
            return [], None
        latest = max(current, key=lambda m: m.get("joinedMs") or 0)
        return sorted({m["deviceUuid"] for m in current}), records[latest["tokenDigest"]]

    # ---------------------------------------------------------------------------------------------- events

    def send_event(self, socket: Socket, data: Any) -> None:
        problem, accepted = self._check_event(socket, data)
        if accepted is None:
            socket.emit("event-error", problem)
            return
        devices, token, name, content = accepted
        note = token.get("note")
        payload = {"eventId": event_id(), "content": content, "timestamp": clock.now_iso(), "senderId": socket.id,
                   "senderInfo": {"appId": tokens.shown_app_id(token), "deviceType": token.get("deviceType"),
                                  "deviceName": note, "isReadOnly": bool(token.get("isReadOnly")), "note": note}}
        self.record(devices, name, payload)
        me = (socket.sid, socket.namespace)
        for device in devices:
            others = [m for m in live.room(device) if rooms.member_id(m) != me]
            rooms.send(self._engine(), others, name, socket_payload=payload, connection_data=payload)
        socket.emit("event-sent", {"eventId": payload["eventId"], "eventName": name, "timestamp": payload["timestamp"],
                                   "targetDevices": len(devices), "senderInfo": payload["senderInfo"]})

    def _check_event(self, socket: Socket, data: Any) -> tuple[dict[str, Any], Any]:
        """({reason...}, None) for a `send-event` the original would refuse, else ({}, (devices, token record,
        event name, content))."""
        checked = _custom_event(data)
        if isinstance(checked, str):
            return {"reason": checked}, None
        devices, token = self._joined(socket)
        if not devices or token is None:
            return {"reason": "not_joined_any_device"}, None
        if token.get("isReadOnly"):
            return {"reason": "readonly_token_cannot_send_events"}, None
        name, content = checked
        if len(json.dumps(content, ensure_ascii=False, separators=(",", ":"))) > MAX_EVENT_CONTENT:
            return {"reason": "content_too_large", "maxSize": MAX_EVENT_CONTENT}, None
        if name in RESERVED_EVENTS:  # Socket.IO cannot emit these (the original's emit threw)
            return {"reason": "internal_error"}, None
        return {}, (devices, token, name, content)

    @staticmethod
    def record(devices: list[str], name: str, payload: Mapping[str, Any]) -> None:
        entry = {**payload, "type": name, "recordedAt": clock.now_iso()}
        for device in devices:
            event_history.record(device, entry, now_epoch=clock.epoch())

    def event_history(self, socket: Socket, data: Any) -> None:
        data = data if isinstance(data, Mapping) else {}
        limit = _bounded(data.get("limit"), HISTORY_DEFAULT_LIMIT)
        offset = _bounded(data.get("offset"), 0)
        devices, token = self._joined(socket)
        if not devices or token is None:
            socket.emit("event-history-error", {"reason": "not_joined_any_device"})
            return
        history = {device: event_history.page(device, offset, limit, now_epoch=clock.epoch()) for device in devices}
        agent = socket.handshake.get("agent") or None
        socket.emit("event-history", {"devices": history, "timestamp": clock.now_iso(), "requestedBy": {
            "deviceType": token.get("deviceType"), "deviceName": _device_name(agent, token.get("note")),
            "isReadOnly": bool(token.get("isReadOnly"))}})


def _custom_event(data: Any) -> tuple[str, Mapping[str, Any] | None] | str:
    """(event name, content) of a `send-event` payload, or the original's reason for refusing it."""
    if not isinstance(data, Mapping):
        return "invalid_data_format"
    kind = data.get("type")
    if not isinstance(kind, str) or not kind.strip():
        return "invalid_event_type"
    content = data.get("content", ...)  # absent is not null: the original refuses it too
    if content is not None and not isinstance(content, Mapping):
        return "content_must_be_object_or_null"
    return kind.strip(), content


def _device_name(agent: str | None, note: str | None) -> str:
    detected = device_name(agent)
    return f"{detected} - {note.strip()}" if note and note.strip() else detected


def _bounded(value: Any, default: int) -> int:
    """A page parameter: a non-negative integer up to HISTORY_MAX (anything else: the default)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return default
    return max(0, min(int(value), HISTORY_MAX))
