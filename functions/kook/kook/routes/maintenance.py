"""Entry points without HTTP routes: the automatic backup (BackupScheduleFunction), the daily trim (TrimFunction)
and the dead-letter replay (ReplayFunction, invoked by hand)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kook import clock
from kook.logic import backup, maintenance, replay
from suite import observability

log = observability.logger()


def slot_time(event: Any) -> dt.datetime:
    """The scheduled time of the invocation (EventBridge's `time`), to the minute; now when absent, so a repeated
    run of the same slot does the same thing."""
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


def automatic_backup(event: Any) -> dict[str, Any]:
    """One backup per schedule slot, then the retention."""
    result = backup.run_automatic(slot=slot_time(event))
    log.info("automatic backup stored", extra={"backup_id": result["backup_id"], "pruned": result["pruned"]})
    return {"backup_id": result["backup_id"], "pruned": result["pruned"]}


def trim() -> dict[str, Any]:
    """What TTL cannot express (logs beyond a lowered retention, stale cursors and connections)."""
    result = maintenance.run()
    log.info("daily trim", extra=result)
    return result


def replay_dead_letters(event: Any) -> dict[str, Any]:
    """Move dead-lettered jobs back, e.g. `{"queue": "discord", "limit": 100}`."""
    event = event if isinstance(event, dict) else {}
    result = replay.replay(str(event.get("queue") or "all"), limit=int(event.get("limit") or replay.DEFAULT_LIMIT))
    log.info("dead letters replayed", extra=result)
    return result
