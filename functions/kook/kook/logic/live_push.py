"""Pushes to the live view's WebSocket connections: what the senders need to publish a delivery as it happens,
kept apart from the socket's own handling (live.py), so a sender's cold start does not import the login,
accounts and status code that only the socket and the status schedule use.

Messages are `{"type": <channel>, "data": {...}}`; a connection receives the channels of its stage.
"""

from __future__ import annotations

import json
import time
from typing import Any

from kook import clock, ids
from kook.store import connections


def _dumps(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")


def log_event(row: dict[str, Any]) -> dict[str, Any]:
    """A log row as the original's `{"type": "log"}` data (documented fields first, then ours)."""
    return {
        "message_id": row["kook_message_id"],
        "status": row["status"],
        "content": row.get("content", ""),
        "latency_ms": row.get("latency_ms"),
        "platform": row.get("target_platform"),
        "timestamp": clock.iso(clock.parse(row["updated_at"])) if row.get("updated_at") else clock.iso(),
        "id": ids.log_id(row["kook_message_id"], row["target"]),
        "channel_id": row.get("kook_channel_id"),
        "target_channel": row.get("target_channel", ""),
        "mapping_id": row.get("mapping_id"),
        "sender_name": row.get("sender_name", ""),
        "message_type": row.get("message_type", "text"),
        "error_message": row.get("error_message"),
        "attempts": row.get("attempts", 1),
    }


LISTENERS_CACHE_SECONDS = 2.0  # senders read the connection list at most this often (a new client may miss 2 s)
_listeners: list[tuple[float, list[dict[str, Any]]]] = []


def _current_listeners() -> list[dict[str, Any]]:
    if not _listeners or time.monotonic() - _listeners[0][0] > LISTENERS_CACHE_SECONDS:
        _listeners[:] = [(time.monotonic(), connections.list_all())]
    return _listeners[0][1]


def forget_listeners() -> None:
    _listeners.clear()


def broadcast(channel: str, data: dict[str, Any], *, listeners: list[dict[str, Any]] | None = None) -> int:
    """Push `{"type": channel, "data": data}` to every connection that listens to `channel`; how many got it."""
    payload = _dumps({"type": channel, "data": data})
    sent = 0
    for connection in listeners if listeners is not None else _current_listeners():
        if channel in (connection.get("channels") or []) and connections.post(connection, payload):
            sent += 1
    return sent


def broadcast_raw(channel: str, payload: dict[str, Any], listeners: list[dict[str, Any]]) -> int:
    """Push a message in its own shape (captcha events are not wrapped in `data`)."""
    data = _dumps(payload)
    return sum(1 for c in listeners if channel in (c.get("channels") or []) and connections.post(c, data))
