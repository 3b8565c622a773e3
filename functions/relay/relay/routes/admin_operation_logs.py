"""Admin: operation logs, one per admin write (tsv group `admin-operation-logs`)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel, ConfigDict

from relay import clock
from relay.logic import oplog
from relay.routes.common import AdminRouter, ok, pagination, parse_id
from suite.errors import BadRequest, NotFound

router = AdminRouter("operation_logs")
TAGS = ["admin-operation-logs"]
When = Annotated[str | None, Query(max_length=30, description="YYYY-MM-DD or ISO-8601")]
Name = Annotated[str | None, Query(max_length=50)]


class OperationLogEntry(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: int
    user_id: int
    username: str
    method: str
    path: str
    module: str
    action: str
    response_code: int
    created_at: str


class OperationLogPage(BaseModel):
    items: list[OperationLogEntry]
    total: int
    page: int
    page_size: int


class OperationLogStats(BaseModel):
    days: int
    total: int
    by_module: list[dict]
    by_action: list[dict]
    by_user: list[dict]


class OperationLogsCleaned(BaseModel):
    deleted: int
    message: str


def _bound(text: str | None, *, end: bool) -> float | None:
    if not text:
        return None
    try:
        moment = clock.parse_iso(text)
    except ValueError:
        raise BadRequest("invalid time (YYYY-MM-DD or ISO-8601)") from None
    return moment + (86399.999 if end and len(text) == 10 else 0)


@router.get("/api/admin/operation-logs", returns=OperationLogPage, errors=(400,),
            summary="Admin writes, newest first (default the last 30 days; kept 180 days)", tags=TAGS)
def list_logs(*, page: Annotated[int | None, Query(ge=1, le=100000)] = None,
              page_size: Annotated[int | None, Query(ge=1, le=1000)] = None,
              user_id: Annotated[int | None, Query(ge=1, le=10**12)] = None, module: Name = None,
              resource: Name = None, action: Name = None, search: Name = None, start_date: When = None,
              end_date: When = None, start_time: When = None, end_time: When = None):
    paging = pagination(page, page_size)
    last = _bound(end_date or end_time, end=True) or clock.now()
    first = _bound(start_date or start_time, end=False) or last - 30 * 86400
    if first > last or last - first > 366 * 86400:
        raise BadRequest("the range must run forward and cover at most 366 days")
    items, total = oplog.page(paging.offset, paging.page_size, first=first, last=last, user_id=user_id,
                              module=module or resource or None, action=action or None, search=search or None)
    return ok(paging.body(items, total))


@router.get("/api/admin/operation-logs/stats", returns=OperationLogStats,
            summary="Counts by module, action and admin over the last `days` days (1-90, default 7)", tags=TAGS)
def stats(days: Annotated[int | None, Query(ge=1, le=90)] = None):
    return ok(oplog.stats(days or 7))


@router.delete("/api/admin/operation-logs/cleanup", returns=OperationLogsCleaned,
               summary="Delete logs older than `days` days (at least 7, default 90)", tags=TAGS)
def cleanup(days: Annotated[int | None, Query(ge=1, le=3650)] = None):
    kept = max(7, days or 90)
    return ok({"deleted": oplog.cleanup(kept), "message": f"deleted logs older than {kept} days"})


@router.get("/api/admin/operation-logs/<id>", returns=OperationLogEntry, errors=(400, 404), summary="One entry",
            tags=TAGS)
def get_log(id: str):
    found = oplog.get(parse_id(id, "log id"))
    if found is None:
        raise NotFound("log not found")
    return ok(found)
