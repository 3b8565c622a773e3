"""The signed-in user's usage, read from counters (tsv group `usage`)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from relay import access
from relay.logic import usage
from relay.models.usage import DayRow, DbDaily, DbModels, DbSummary, LogPage, ModelRow, Monthly, Stats, Summary
from relay.routes.common import ok, pagination
from suite.api import Router

router = Router()
TAGS = ["usage"]
Day = Annotated[str | None, Query(max_length=10, description="YYYY-MM-DD")]


@router.get("/api/usage/summary", auth=access.USER, returns=Summary,
            summary="All-time totals and today's (requests, tokens by kind, cost)", tags=TAGS)
def summary():
    return ok(usage.summary(access.caller().id))


@router.get("/api/usage/daily", auth=access.USER, returns=list[DayRow], errors=(400,),
            summary="One row per day from start_date to end_date (default: the last 7 days)", tags=TAGS)
def daily(start_date: Day = None, end_date: Day = None):
    return ok(usage.daily(access.caller().id, start_date, end_date))


@router.get("/api/usage/monthly", auth=access.USER, returns=Monthly, errors=(400,),
            summary="A month's totals (year and month, or month=YYYY-MM; default this month)", tags=TAGS)
def monthly(year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
            month: Annotated[str | None, Query(max_length=7)] = None):
    month_number = int(month) if month and month.isdigit() and len(month) <= 2 else None
    text = None if month_number is not None else month
    return ok(usage.monthly(access.caller().id, usage.month_of(year, month_number, text)))


@router.get("/api/usage/stats", auth=access.USER, returns=Stats, errors=(400,),
            summary="Days and models over a range (default: the last 30 days)", tags=TAGS)
def stats(start_date: Day = None, end_date: Day = None):
    return ok(usage.stats(access.caller().id, start_date, end_date))


@router.get("/api/usage/records", auth=access.USER, returns=LogPage, errors=(400,),
            summary="My requests, newest first (kept 30 days)", tags=TAGS)
def records(page: Annotated[int | None, Query(ge=1, le=100000)] = None,
            page_size: Annotated[int | None, Query(ge=1, le=1000)] = None, start_date: Day = None,
            end_date: Day = None, model: Annotated[str | None, Query(max_length=100)] = None):
    paging = pagination(page, page_size)
    items, total = usage.logs(paging.offset, paging.page_size, start=start_date, end=end_date,
                              user_id=access.caller().id, model=model or None)
    return ok(paging.body(items, total))


@router.get("/api/usage/models", auth=access.USER, returns=list[ModelRow], errors=(400,),
            summary="Totals per model (all time, or over start_date..end_date)", tags=TAGS)
def models(start_date: Day = None, end_date: Day = None):
    return ok(usage.models(access.caller().id, start_date, end_date))


@router.get("/api/usage/db/summary", auth=access.USER, returns=DbSummary, summary="Persisted totals and today's",
            tags=TAGS)
def db_summary():
    return ok(usage.db_summary(access.caller().id))


@router.get("/api/usage/db/daily", auth=access.USER, returns=DbDaily, errors=(400,),
            summary="Persisted daily totals (days with usage; default the last 30 days)", tags=TAGS)
def db_daily(start_date: Day = None, end_date: Day = None):
    return ok(usage.db_daily(access.caller().id, start_date, end_date))


@router.get("/api/usage/db/models", auth=access.USER, returns=DbModels, errors=(400,),
            summary="Persisted totals per model", tags=TAGS)
def db_models(start_date: Day = None, end_date: Day = None):
    return ok(usage.db_models(access.caller().id, start_date, end_date))
