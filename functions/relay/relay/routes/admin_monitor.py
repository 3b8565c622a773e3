"""Admin: the monitor (tsv group `admin-monitor`). `mysql` keeps the original's path; DynamoDB answers it."""

from pydantic import BaseModel, ConfigDict

from relay.logic import monitor
from relay.routes.common import AdminRouter, ok

router = AdminRouter("monitor")
TAGS = ["admin-monitor"]


class MonitorSection(BaseModel):
    model_config = ConfigDict(extra="allow")


class MonitorEverything(BaseModel):
    model_config = ConfigDict(extra="allow")

    system: dict
    cache: dict
    mysql: dict
    accounts: dict
    users: dict
    today_usage: dict
    total_usage: dict
    updated_at: str


@router.get("/api/admin/monitor", returns=MonitorEverything, summary="Every section at once", tags=TAGS)
def everything():
    return ok(monitor.everything())


@router.get("/api/admin/monitor/system", returns=MonitorSection,
            summary="The function's runtime and the service's CloudWatch metrics (24 h)", tags=TAGS)
def system():
    return ok(monitor.system())


@router.get("/api/admin/monitor/cache", returns=MonitorSection, summary="Sessions, leases, unavailable marks",
            tags=TAGS)
def cache():
    return ok(monitor.cache())


@router.get("/api/admin/monitor/mysql", returns=MonitorSection, summary="The relay's DynamoDB tables (items, sizes)",
            tags=TAGS)
def database():
    return ok(monitor.database())


@router.get("/api/admin/monitor/accounts", returns=MonitorSection, summary="Accounts by status and platform", tags=TAGS)
def accounts():
    return ok(monitor.account_stats())


@router.get("/api/admin/monitor/users", returns=MonitorSection, summary="Users: total, active today, new today",
            tags=TAGS)
def users():
    return ok(monitor.user_stats())


@router.get("/api/admin/monitor/today", returns=MonitorSection, summary="Today's usage from the counters", tags=TAGS)
def today():
    return ok(monitor.today())
