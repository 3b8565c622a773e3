"""Health: `/health` (liveness), `/` (app banner) and real component checks for `/api/health/check`.

Components keep the original's names: `redis` is the forwarding queue (SQS), `database` DynamoDB, `worker` the
ingestion switch and how fresh the last KOOK event is, `scrapers` the accounts.

`data` carries the same check the way the original's health view reads it (issue 13): `overall_status`, and
`components` redis, worker, scrapers, storage (DynamoDB) and bots, each with a status the view knows (`healthy`,
`warning`, `unhealthy`) and a message. Bots are judged from their stored state (the pipeline marks a bot that
its platform refuses `failing`); no platform is called.
"""

from __future__ import annotations

from typing import Any

from kook import clock
from kook.api import VERSION
from kook.logic import system
from kook.store import bots, settings, tables

APP_NAME = "KOOK消息转发系统"
FRESHNESS_SECONDS = 900  # an enabled account that delivered nothing for 15 minutes is worth a look
VIEW_STATUS = {"up": "healthy", "running": "healthy", "healthy": "healthy", "active": "healthy",
               "stale": "warning", "degraded": "warning", "stopped": "warning", "not_configured": "warning",
               "disabled": "warning", "down": "unhealthy", "unhealthy": "unhealthy", "failing": "unhealthy"}


def banner() -> dict[str, Any]:
    return {"app": APP_NAME, "version": VERSION, "status": "running"}


def _database() -> dict[str, Any]:
    try:
        return {"status": "up", "latency_ms": tables.probe()}
    except Exception as exc:
        return {"status": "down", "error": type(exc).__name__}


def _worker(state: dict[str, Any], active_accounts: int) -> dict[str, Any]:
    if not state.get("service_running"):
        return {"status": "stopped"}
    last = state.get("last_ingest_at")
    age = int((clock.now() - clock.parse(last)).total_seconds()) if last else None
    stale = bool(active_accounts) and (age is None or age > FRESHNESS_SECONDS)
    status = "stale" if stale else "running"
    return {"status": status, "last_ingest_at": last, "seconds_since_last_ingest": age}


def check() -> dict[str, Any]:
    database = _database()
    if database["status"] != "up":
        checked = {"status": "unhealthy", "components": {"database": database}, "timestamp": clock.iso()}
        return {**checked, "data": view(checked, [])}
    queue = system.queue_health()
    state = settings.system_state()
    total, active = system.account_counts()
    worker = _worker(state, active)
    redis = {"status": ("up" if queue["connected"] else "down") if queue["configured"] else "not_configured",
             "latency_ms": queue["latency_ms"], "queue_size": queue["queue_size"]}
    if redis["status"] == "down":
        overall = "unhealthy"
    elif worker["status"] == "stale":
        overall = "degraded"
    else:
        overall = "healthy"
    checked = {"status": overall,
               "components": {"redis": redis, "database": database, "worker": worker,
                              "scrapers": {"total": total, "active": active}},
               "timestamp": clock.iso()}
    return {**checked, "data": view(checked, bots.list_all())}


def summary() -> dict[str, Any]:
    state = settings.system_state()
    checked = check()
    return {"status": checked["status"], "service_running": bool(state.get("service_running")),
            "uptime_seconds": system.uptime_seconds(state), "version": VERSION, "timestamp": clock.iso(),
            "data": checked["data"]}


def _component(status: str, message: str) -> dict[str, str]:
    return {"status": VIEW_STATUS.get(status, "warning"), "message": message}


def view(checked: dict[str, Any], stored_bots: list[dict[str, Any]]) -> dict[str, Any]:
    """The check as the original's health view reads it (`data`)."""
    parts = checked["components"]
    database = parts["database"]
    components: dict[str, Any] = {
        "storage": _component(database["status"], f"DynamoDB 正常（{database['latency_ms']} ms）"
                              if database["status"] == "up" else "DynamoDB 无法访问"),
        "bots": [{"bot_id": bot["id"], "bot_name": bot["name"], "platform": bot["platform"],
                  **_component(bot.get("status", "active"), "正常" if bot.get("status", "active") == "active"
                               else str(bot.get("status_reason") or "发送失败"))} for bot in stored_bots],
    }
    if "redis" in parts:
        redis, worker, scrapers = parts["redis"], parts["worker"], parts["scrapers"]
        components["redis"] = _component(redis["status"], {
            "up": f"队列正常，待处理 {redis['queue_size']} 条", "down": "队列无法访问",
            "not_configured": "未配置队列"}.get(redis["status"], redis["status"]))
        components["worker"] = _component(worker["status"], {
            "running": "运行中", "stopped": "服务已停止",
            "stale": f"超过 {FRESHNESS_SECONDS // 60} 分钟没有收到KOOK消息"}.get(worker["status"], worker["status"]))
        components["scrapers"] = {
            "status": "healthy" if scrapers["active"] else "warning",
            "message": f"{scrapers['active']}/{scrapers['total']} 个账号运行中" if scrapers["total"] else "没有账号",
            "total": scrapers["total"], "active": scrapers["active"]}
    return {"overall_status": VIEW_STATUS[checked["status"]], "timestamp": checked["timestamp"],
            "components": components}
