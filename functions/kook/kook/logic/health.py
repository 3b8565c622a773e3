"""Health: `/health` (liveness), `/` (app banner) and real component checks for `/api/health/check`.

Components keep the original's names: `redis` is the forwarding queue (SQS), `database` DynamoDB, `worker` the
ingestion switch and how fresh the last KOOK event is, `scrapers` the accounts.
"""

from __future__ import annotations

from typing import Any

from kook import clock
from kook.api import VERSION
from kook.logic import system
from kook.store import settings, tables

APP_NAME = "KOOK消息转发系统"
FRESHNESS_SECONDS = 900  # an enabled account that delivered nothing for 15 minutes is worth a look


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
        return {"status": "unhealthy", "components": {"database": database}, "timestamp": clock.iso()}
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
    return {"status": overall,
            "components": {"redis": redis, "database": database, "worker": worker,
                           "scrapers": {"total": total, "active": active}},
            "timestamp": clock.iso()}


def summary() -> dict[str, Any]:
    state = settings.system_state()
    return {"status": check()["status"], "service_running": bool(state.get("service_running")),
            "uptime_seconds": system.uptime_seconds(state), "version": VERSION, "timestamp": clock.iso()}
