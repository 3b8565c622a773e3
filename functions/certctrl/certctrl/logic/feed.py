"""The device updates feed (docs/certctrl.md, "The updates feed"): signals written with the change they report,
read by the agent's poll (`GET /apiv1/devices/self/updates`) or pushed over its WebSocket.

Emitting: `emit(device, build)` where `build(tx)` adds the change's actions to the transaction (through the store
helpers that take `tx`, e.g. store.device_data.put_install_config) and
returns the signals (`{type, ref}`) to send; the head move and the signals join the same transaction. When the
transaction fails on a condition (another writer moved the head, or the change's own condition, e.g. a version
check), `build` runs again on fresh state, a few times, so concurrent writers never lose a change or a signal.

Time-bounded commands (the `acme.*` signals of agents that serve challenges themselves) carry `live_until_ms`:
they are pushed over the WebSocket at once and delivered to polls only while live; later polls step over them.

Polling: the cursor `"<ts_ms>-<seq>"` means "every signal after seq". A cursor whose next signal is gone (trimmed
out of the window or expired), or that names a signal that is not the one it was given for, or that is ahead of
the head, answers 409 with code 40901 and the resync params; no cursor (or `0-0`) starts from the oldest signal
still kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from certctrl import clock, config
from certctrl.errors import CursorTrimmed
from certctrl.store import feed
from suite.errors import BadRequest, Conflict

CURSOR = re.compile(r"^(\d{1,16})-(\d{1,16})$")
EMIT_ATTEMPTS = 5


@dataclass(frozen=True)
class Poll:
    cursor: str
    signals: list[dict[str, Any]]  # empty: 204
    cursors: list[str] = field(default_factory=list)  # each signal's own cursor (WebSocket replays)
    read_count: int = 0  # signals stepped over, delivered or not (a full page means there may be more)


def cursor_of(head: dict[str, Any]) -> str:
    return f"{head['last_ts_ms']}-{head['seq']}" if head["seq"] else "0-0"


def view(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": item["type"], "ts_ms": int(item["ts_ms"]), "ref": item.get("ref") or {}}


def emit(device_id: int, user_id: int, build: Callable[[Any], Sequence[dict[str, Any]]]) -> list[dict]:
    """Commit the change `build` adds together with its signals; returns the stored signal items."""
    settings = config.get()
    for _attempt in range(EMIT_ATTEMPTS):
        expected = feed.head(device_id)
        tx = feed.transaction()
        signals = list(build(tx))
        items = feed.add_signals(tx, device_id, user_id=user_id, expected=expected, signals=signals,
                                 now_ms=clock.epoch_ms(), retention_seconds=settings.feed_retention_days * 86400,
                                 window=settings.feed_max_signals) if signals else []
        if feed.commit(tx):
            return items
    raise Conflict("The device is being changed by another request; try again", code="409")


def parse_cursor(text: str | None) -> tuple[int, int]:
    """(ts_ms, seq) of a cursor; quotes and a weak-validator `W/` are stripped (ETag forms)."""
    value = (text or "").strip()
    if value.startswith("W/"):
        value = value[2:].strip()
    value = value.strip('"').strip()
    if not value:
        return 0, 0
    match = CURSOR.match(value)
    if match is None:
        raise BadRequest("cursor: expected <ts_ms>-<seq> as returned in data.cursor or the ETag")
    return int(match.group(1)), int(match.group(2))


def read(device_id: int, cursor: str | None, limit: int) -> Poll:
    """One look at the feed after `cursor`."""
    ts_ms, seq = parse_cursor(cursor)
    head = feed.head(device_id)
    if seq > head["seq"]:
        raise CursorTrimmed(cursor_of(head), reason="cursor_unknown")
    if seq == head["seq"]:
        if seq and ts_ms != head["last_ts_ms"]:
            raise CursorTrimmed(cursor_of(head), reason="cursor_unknown")
        return Poll(cursor_of(head), [])
    now = clock.epoch()
    items = [i for i in feed.signals_from(device_id, seq, limit + 1) if int(i.get("expires_at", now + 1)) > now]
    if seq and items and items[0]["seq"] == seq:
        if int(items[0]["ts_ms"]) != ts_ms:
            raise CursorTrimmed(items[0]["cursor"], reason="cursor_unknown")
        items = items[1:]
    if not items:
        if seq:
            raise CursorTrimmed(cursor_of(head))
        return Poll(cursor_of(head), [])
    if seq and items[0]["seq"] != seq + 1:
        raise CursorTrimmed(items[0]["cursor"])
    items = items[:limit]
    # Time-bounded commands (acme.http01.start...) stay in the sequence but are not delivered once over: the
    # cursor still moves past them (a poll that finds only such signals answers 204 with the new cursor).
    now_ms = clock.epoch_ms()
    live = [i for i in items if int(i.get("live_until_ms") or now_ms + 1) > now_ms]
    return Poll(items[-1]["cursor"], [view(i) for i in live], [i["cursor"] for i in live], len(items))


def poll(device_id: int, cursor: str | None, *, limit: int, wait: int) -> Poll:
    """`read`, and while there is nothing new, look again once a second until `wait` seconds (capped) are over."""
    deadline = clock.monotonic() + min(max(wait, 0), config.get().max_wait_seconds)
    while True:
        answer = read(device_id, cursor, limit)
        remaining = deadline - clock.monotonic()
        if answer.signals or remaining <= 0:
            return answer
        cursor = answer.cursor  # past any commands that were no longer live
        clock.sleep(min(1.0, remaining))
