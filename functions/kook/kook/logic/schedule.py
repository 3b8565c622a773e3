"""Scheduled invocations: the slot a run belongs to, so a repeated run of the same slot does the same thing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kook import clock


def slot_time(event: dict[str, Any]) -> dt.datetime:
    """The scheduled time of the invocation (EventBridge's `time`), to the minute; now when absent."""
    raw = event.get("time") if isinstance(event, dict) else None
    if isinstance(raw, str):
        try:
            moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=dt.UTC)
            return moment.replace(second=0, microsecond=0)
        except ValueError:
            pass
    return clock.now().replace(second=0, microsecond=0)
