"""The monitor: the relay's own numbers (accounts, users, runtime state, today's and all-time usage from the
counters), its tables (DynamoDB stands where the original showed MySQL) and its CloudWatch metrics."""

from __future__ import annotations

import os
import platform
import sys
from typing import Any

from relay import clock, config
from relay.logic import usage as usage_logic
from relay.store import accounts, monitoring, state, usage, users

STATUSES = ("valid", "rate_limited", "overloaded", "invalid", "token_expired", "suspended", "banned", "disabled")
METRICS = ("ColdStart", "ClientErrors", "ServerErrors")
_STARTED = clock.now()


def system() -> dict[str, Any]:
    settings = config.get()
    try:
        metrics = monitoring.metric_sums(settings.metrics_namespace, list(METRICS))
    except Exception:
        metrics = dict.fromkeys(METRICS)
    memory_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "0") or 0)
    return {"runtime": "AWS Lambda", "python_version": sys.version.split()[0], "platform": platform.machine(),
            "function_name": os.environ.get("AWS_LAMBDA_FUNCTION_NAME", ""),
            "region": os.environ.get("AWS_REGION", ""), "stage": settings.stage, "cpu_cores": os.cpu_count() or 0,
            "memory_total": memory_mb * 1024 * 1024, "memory_mb": memory_mb,
            "uptime_seconds": int(clock.now() - _STARTED), "metrics_last_24h": metrics}


def cache() -> dict[str, Any]:
    leases = state.all_leases()
    return {"session_count": len(state.sessions()), "unavailable_count": len(state.unavailable_marks()),
            "account_concurrency_count": sum(1 for lease in leases if str(lease.get("owner", "")).startswith("A#")),
            "user_concurrency_count": sum(1 for lease in leases if str(lease.get("owner", "")).startswith("U#")),
            "connected": True, "backend": "dynamodb"}


def database() -> dict[str, Any]:
    tables = monitoring.tables()
    data = sum(t["size_bytes"] for t in tables)
    index = sum(t["index_bytes"] for t in tables)
    return {"engine": "dynamodb", "table_count": len(tables), "data_size": data, "index_size": index,
            "total_size": data + index, "connected": True, "tables": tables,
            "note": "DynamoDB updates item counts and sizes about every six hours"}


def account_stats() -> dict[str, Any]:
    every = accounts.every()
    counts = {status: sum(1 for a in every if a.status == status) for status in STATUSES}
    platforms: dict[str, int] = {}
    for item in every:
        platforms[item.platform] = platforms.get(item.platform, 0) + 1
    return {"total": len(every), "active": sum(1 for a in every if a.enabled and a.status == "valid"),
            "enabled": sum(1 for a in every if a.enabled), **counts, "by_platform": platforms}


def user_stats() -> dict[str, Any]:
    every = list(users.every())
    today = clock.day()
    start = clock.day_start(today)
    today_users = usage_logic.today_global()["active_users"]
    return {"total": len(every), "active": today_users, "active_today": today_users,
            "enabled": sum(1 for u in every if u.status == "active"),
            "disabled": sum(1 for u in every if u.status != "active"),
            "admins": sum(1 for u in every if u.role == "admin"),
            "new_today": sum(1 for u in every if (u.created_at or 0) >= start)}


def _usage_block(counters: dict[str, Any]) -> dict[str, Any]:
    return {"total_cost": round(float(counters["cost"]), 10), "total_tokens": int(counters["total_tokens"]),
            "input_tokens": int(counters["input_tokens"]), "output_tokens": int(counters["output_tokens"]),
            "cache_creation_tokens": int(counters["cache_creation_tokens"]),
            "cache_read_tokens": int(counters["cache_read_tokens"]), "request_count": int(counters["requests"]),
            "error_count": int(counters["errors"])}


def today() -> dict[str, Any]:
    found = usage.many([(shard, f"D#{clock.day()}") for shard in usage.global_shards()])
    total = {name: sum((found.get(k) or {}).get(name, 0) for k in found) for name in usage.FIELDS}
    return {"date": clock.day(), **_usage_block(total)}


def total_usage() -> dict[str, Any]:
    found = usage.many([(shard, "T") for shard in usage.global_shards()])
    return _usage_block({name: sum((found.get(k) or {}).get(name, 0) for k in found) for name in usage.FIELDS})


def everything() -> dict[str, Any]:
    return {"system": system(), "cache": cache(), "mysql": database(), "database": database(),
            "accounts": account_stats(), "users": user_stats(), "today_usage": today(), "total_usage": total_usage(),
            "updated_at": clock.iso()}
