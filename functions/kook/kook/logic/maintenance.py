"""The daily clean-up: what TTL cannot express.

TTL removes log rows at the end of the retention they were written with; when the retention is lowered later
(`POST /api/system/system-config {"log_retention_days"}`), older rows would stay until their own expiry, so the
clean-up deletes rows older than the current retention (with their counters, like `POST /api/logs/clear`).
It also forgets poll cursors of channels that are no longer mapped and WebSocket connections that outlived their
login. Safe to run twice: every step deletes what still matches.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from kook import clock
from kook.store import connections, ingest, logs, mappings

BUDGET_SECONDS = 240.0
OLDEST_RETENTION_DAYS = 365  # the longest retention system-config accepts: rows can be that old


def run() -> dict[str, Any]:
    started = time.monotonic()
    retention = logs.retention_days()
    deleted, complete = _trim_logs(retention, started)
    mapped = {m["kook_channel_id"] for m in mappings.list_all()}
    stale_cursors = [c["sk"] for c in ingest.cursors() if c["sk"] not in mapped]
    for channel_id in stale_cursors:
        ingest.delete_cursor(channel_id)
    expired = [c for c in connections.list_all() if int(c.get("expires_at") or 0) <= clock.epoch()]
    for connection in expired:
        connections.remove(connection["sk"])
    return {"retention_days": retention, "log_rows_deleted": deleted, "logs_complete": complete,
            "cursors_deleted": len(stale_cursors), "connections_deleted": len(expired)}


def _trim_logs(retention: int, started: float) -> tuple[int, bool]:
    """Delete rows older than `retention` days, looking back as far as any retention could have kept them (one
    ByDay Query per day), each taken out of its counters. (deleted, complete)"""
    cutoff = clock.now() - dt.timedelta(days=retention)
    days = [day for day in logs.recent_days(OLDEST_RETENTION_DAYS + 2) if day <= clock.day(cutoff)]
    deleted = 0
    for row in logs.rows_created_before(cutoff, days):
        if time.monotonic() - started > BUDGET_SECONDS:
            return deleted, False  # tomorrow's run continues
        if logs.delete_row(row):
            deleted += 1
    return deleted, True
