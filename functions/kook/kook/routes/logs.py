"""Message logs: paged list, stats (from counters), per-platform stats, hourly trend, CSV/JSON export, clearing."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from kook import clock
from kook.access import ADMIN
from kook.api import ENVELOPE
from kook.logic import logs
from kook.models.logs import Cleared, LogExport, LogPage, LogStats, PlatformStats, Trend
from kook.routes import common
from suite.api import Router
from suite.envelopes import dumps

router = Router()
TAGS = ["logs"]
Status = Annotated[str | None, Query(max_length=20)]
Platform = Annotated[str | None, Query(max_length=20)]
Channel = Annotated[str | None, Query(max_length=64)]
CSV = "text/csv"


@router.get("/api/logs", auth=ADMIN, returns=LogPage, errors=(400,), tags=TAGS, summary="Message logs, newest first")
@router.get("/api/logs/", auth=ADMIN, returns=LogPage, errors=(400,), tags=TAGS,
            summary="Message logs (trailing slash)")
def list_logs(limit: Annotated[int, Query(ge=1)] = 100, page: Annotated[int, Query(ge=1)] = 1,
              status: Status = None, platform: Platform = None, channel_id: Channel = None):
    return ENVELOPE.ok(logs.list_logs(page=page, limit=limit, status=status, platform=platform,
                                      channel_id=channel_id))


# The original's stats body has a `success` count of its own, so it goes out as is: `success` is that count,
# not the envelope's flag (ENVELOPE.ok puts the payload's fields over the flag).
@router.get("/api/logs/stats", auth=ADMIN, returns=LogStats, media_type="application/json", errors=(400,),
            tags=TAGS, summary="Totals of a period (today, week, month)")
def stats(period: Annotated[str, Query(max_length=10)] = "today"):
    return ENVELOPE.ok(logs.stats(period))


@router.get("/api/logs/stats/platforms", auth=ADMIN, returns=PlatformStats, errors=(400,), tags=TAGS,
            summary="Totals per platform")
def platform_stats(period: Annotated[str, Query(max_length=10)] = "today"):
    return ENVELOPE.ok(logs.platform_stats(period))


@router.get("/api/logs/stats/trend", auth=ADMIN, returns=Trend, tags=TAGS, summary="Deliveries per hour")
def trend(hours: Annotated[int, Query(ge=1, le=168)] = 24):
    return ENVELOPE.ok(logs.trend(hours))


@router.post("/api/logs/clear", auth=ADMIN, returns=Cleared, tags=TAGS, summary="Delete logs older than ?days=")
def clear(days: Annotated[int, Query(ge=0, le=3650)] = 30):
    result = logs.clear(days)
    return ENVELOPE.ok({"message": f"已清除{result['deleted']}条日志", **result})


@router.get("/api/logs/export/csv", auth=ADMIN, media_type=CSV, errors=(400,), tags=TAGS, summary="Logs as CSV")
def export_csv(limit: Annotated[int, Query(ge=1, le=10000)] = 1000, status: Status = None,
               platform: Platform = None, channel_id: Channel = None):
    rows = logs.export_rows(limit=limit, status=status, platform=platform, channel_id=channel_id)
    name = f"logs_{clock.now().strftime('%Y%m%d_%H%M%S')}.csv"
    return common.download(name, logs.as_csv(rows), f"{CSV}; charset=utf-8")


@router.get("/api/logs/export/json", auth=ADMIN, returns=LogExport, media_type="application/json", errors=(400,),
            tags=TAGS, summary="Logs as a JSON file")
def export_json(limit: Annotated[int, Query(ge=1, le=10000)] = 1000, status: Status = None,
                platform: Platform = None, channel_id: Channel = None):
    rows = logs.export_rows(limit=limit, status=status, platform=platform, channel_id=channel_id)
    name = f"logs_{clock.now().strftime('%Y%m%d_%H%M%S')}.json"
    body = dumps({"export_time": clock.iso(), "count": len(rows), "logs": rows})
    return common.download(name, body, "application/json")
