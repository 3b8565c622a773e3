"""Admin: request logs and their summaries (tsv group `admin-logs`); summaries come from the counters."""

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query

from relay.logic import usage
from relay.models.usage import AccountLoad, AllUsage, LogPage, LogsSummary
from relay.routes.common import AdminRouter, ok, pagination

router = AdminRouter("logs")
TAGS = ["admin-logs"]
Id = Annotated[int | None, Query(ge=1, le=10**12)]
When = Annotated[str | None, Query(max_length=30, description="YYYY-MM-DD or ISO-8601")]


@router.get("/api/admin/logs", returns=LogPage, errors=(400,),
            summary="Request logs, newest first (default the last 7 days; kept 30 days)", tags=TAGS)
def list_logs(*, page: Annotated[int | None, Query(ge=1, le=100000)] = None,
              page_size: Annotated[int | None, Query(ge=1, le=1000)] = None, user_id: Id = None,
              api_key_id: Id = None, account_id: Id = None,
              model: Annotated[str | None, Query(max_length=100)] = None,
              platform: Annotated[str | None, Query(max_length=20)] = None,
              status: Annotated[Literal["success", "error", "failed"] | None, Query()] = None,
              success: Annotated[Literal["true", "false", "1", "0"] | None, Query()] = None,
              start_date: When = None, end_date: When = None, start_time: When = None, end_time: When = None):
    paging = pagination(page, page_size)
    ok_filter = None
    if status is not None:
        ok_filter = status == "success"
    elif success is not None:
        ok_filter = success in ("true", "1")
    items, total = usage.logs(paging.offset, paging.page_size, start=start_date or start_time,
                              end=end_date or end_time, user_id=user_id, key_id=api_key_id, account_id=account_id,
                              model=model or None, platform=platform or None, success=ok_filter)
    return ok(paging.body(items, total))


@router.get("/api/admin/logs/summary", returns=LogsSummary, errors=(400,),
            summary="Requests, tokens, cost and average duration over a range (default the last 7 days)", tags=TAGS)
def summary(*, start_date: When = None, end_date: When = None, start_time: When = None, end_time: When = None):
    return ok(usage.logs_summary(_day(start_date or start_time), _day(end_date or end_time)))


@router.get("/api/admin/logs/account-load", returns=list[AccountLoad], errors=(400,),
            summary="Per account: requests, successes, errors, tokens, cost (default the last 7 days)", tags=TAGS)
def account_load(*, start_date: When = None, end_date: When = None, start_time: When = None,
                 end_time: When = None):
    return ok(usage.account_load(_day(start_date or start_time), _day(end_date or end_time)))


@router.get("/api/admin/logs/usage-summary", returns=AllUsage, errors=(400,),
            summary="Every user's usage over a range: totals, days, models, users (default the last 30 days)",
            tags=TAGS)
def usage_summary(start_date: When = None, end_date: When = None):
    return ok(usage.all_users(_day(start_date), _day(end_date)))


def _day(text: str | None) -> str | None:
    """A day from a day or an ISO time (the summaries count whole days)."""
    return text[:10] if text else None
