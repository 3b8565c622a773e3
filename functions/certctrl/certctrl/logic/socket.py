"""The agent's WebSocket mode (`/api/websocket`, legacy `/api/tunnel`) on an API Gateway WebSocket API.

- `$connect`: the device access JWT as `?token=` (or `Authorization: Bearer`); a `?device_id=` must be the
  token's. Refused with 401 otherwise (the handshake fails).
- The server's hello `{"type":"hello","connection_id"}` goes out after the first message the agent sends (API
  Gateway accepts no pushes before `$connect` returns; the agent pings on a timer). The agent answers
  `{"type":"event","name":"lifecycle.hello_ack","resume_token":<cursor>?}`, and every signal after that cursor
  is replayed (from the oldest kept when there is none). A resume token whose signals are gone replays nothing
  and sends `state.resync_required {action: full_resync, reason: cursor_trimmed, earliest_retained_id}`.
- Every signal written to the device's feed is pushed (DeviceFeedPushFunction, from the table's stream) as
  `{"type":"event","name":"updates.signal","id":<cursor>,"resume_token":<cursor>,"ts_ms","payload":<signal>}`.
  The agent acknowledges with `updates.ack` (recorded) and de-duplicates on `type:ts_ms`, so a signal replayed
  and pushed at once is applied once.
- `{"type":"ping","ts"}` → `{"type":"pong","ts"}` (as the route's answer).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from certctrl import clock
from certctrl.errors import CursorTrimmed
from certctrl.logic import device_sessions, feed
from certctrl.store import connections
from certctrl.store import feed as feed_store
from suite.errors import ApiError

REPLAY_LIMIT = 100


def frame(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def signal_event(item: Mapping[str, Any]) -> dict[str, Any]:
    return {"type": "event", "name": "updates.signal", "id": item["cursor"], "resume_token": item["cursor"],
            "ts_ms": int(item["ts_ms"]), "payload": feed.view(item)}


def connect(connection_id: str, *, token: str | None, device_id: str | None) -> int:
    if not token:
        return 401
    try:
        caller = device_sessions.authenticate(token)
    except ApiError:
        return 401
    if device_id and device_id != str(caller.device_id):
        return 403
    connections.open_connection(connection_id, device_id=caller.device_id, user_id=caller.user_id,
                                now=clock.epoch())
    return 200


def disconnect(connection_id: str) -> None:
    connections.close(connection_id)


def message(connection_id: str, body: str) -> dict[str, Any] | None:
    connection = connections.get(connection_id)
    if connection is None:
        return None
    try:
        parsed = json.loads(body or "{}")
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        return None
    if connections.mark_hello(connection_id):
        connections.send(connection_id, frame({"type": "hello", "connection_id": connection_id}))
    kind, name = parsed.get("type"), parsed.get("name")
    if kind == "ping":
        return {"type": "pong", "ts": parsed.get("ts") or clock.epoch_ms()}
    if kind == "event" and name == "lifecycle.hello_ack":
        resume = parsed.get("resume_token")
        _replay(connection_id, int(connection["device_id"]), resume if isinstance(resume, str) else None)
    elif kind == "event" and name == "updates.ack" and isinstance(parsed.get("resume_token"), str):
        connections.acknowledged(connection_id, parsed["resume_token"][:64])
    return None


def _replay(connection_id: str, device_id: int, resume_token: str | None) -> None:
    cursor = resume_token
    while True:
        try:
            answer = feed.read(device_id, cursor, REPLAY_LIMIT)
        except CursorTrimmed as trimmed:
            params = trimmed.details["params"]
            resync = {"type": "state.resync_required", "ts_ms": clock.epoch_ms(),
                      "ref": {"action": "full_resync", "reason": params["reason"],
                              "earliest_retained_id": params["earliest_retained_id"]}}
            connections.send(connection_id, frame({"type": "event", "name": "updates.signal",
                                                   "ts_ms": resync["ts_ms"], "payload": resync}))
            return
        except ApiError:
            return  # a resume token we cannot read: nothing to replay
        for index, signal in enumerate(answer.signals):
            # each replayed signal carries its own cursor, so an ack resumes exactly after it
            if not connections.send(connection_id, frame(signal_event({**signal, "cursor": answer.cursors[index]}))):
                return
        if answer.read_count < REPLAY_LIMIT:
            return
        cursor = answer.cursor


def push_records(records: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """DeviceFeedTable stream records → `updates.signal` to the device's connections; the failures to retry."""
    failures: list[dict[str, str]] = []
    for record in records:
        image = feed_store.new_signal(record)
        if image is None:
            continue
        try:
            data = frame(signal_event(image))
            for connection_id in connections.of_device(int(image["device_id"])):
                connections.send(connection_id, data)
        except Exception:
            failures.append({"itemIdentifier": (record.get("dynamodb") or {}).get("SequenceNumber", "")})
            break
    return failures
