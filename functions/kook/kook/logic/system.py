"""System control and status: the persisted ingestion/forwarding switch, counts, queue health, caches, filter
rules, system config and storage figures."""

from __future__ import annotations

from typing import Any

from kook import clock, config
from kook.api import VERSION
from kook.logic import logs as log_service
from kook.models.system import FilterRulesIn, SystemConfigIn
from kook.store import accounts, backups, bots, cache, logs, mappings, queues, settings, tables

SYSTEM_CONFIG_DEFAULTS = {
    "image_strategy": "smart",
    "max_retry_attempts": 3,
    "discord_rate_limit_per_5s": 5,
    "telegram_rate_limit_per_second": 30,
    "feishu_rate_limit_per_second": 20,
    "forward_edits": False,
    "forward_reactions": False,
}


def queue_health() -> dict[str, Any]:
    """The forwarding queues' depth. No queue configured yet (the pipeline declares them) counts as healthy."""
    urls = config.get().forward_queue_urls
    depths = [queues.depth(url) for url in urls]
    return {
        "configured": bool(urls),
        "connected": all(d.reachable for d in depths),
        "queue_size": sum(d.visible for d in depths),
        "in_flight": sum(d.in_flight for d in depths),
        "latency_ms": max((d.latency_ms for d in depths), default=0),
    }


def uptime_seconds(state: dict[str, Any]) -> int:
    if not state.get("service_running") or not state.get("started_at"):
        return 0
    return max(0, int((clock.now() - clock.parse(state["started_at"])).total_seconds()))


def account_counts() -> tuple[int, int]:
    everyone = accounts.list_all()
    return len(everyone), sum(1 for a in everyone if a.get("ingestion_enabled"))


def status() -> dict[str, Any]:
    state = settings.system_state()
    queue = queue_health()
    total, active = account_counts()
    return {
        "service_running": bool(state.get("service_running")),
        "redis_connected": queue["connected"],
        "queue_size": queue["queue_size"],
        "account_count": total,
        "active_accounts": active,
        "bot_count": bots.count(),
        "mapping_count": mappings.count(),
        "uptime_seconds": uptime_seconds(state),
        "version": VERSION,
        "started_at": state.get("started_at") if state.get("service_running") else None,
        "last_ingest_at": state.get("last_ingest_at"),
    }


def control(action: str) -> dict[str, Any]:
    """start | stop | restart: persisted; the ingestion schedules and the forwarders check it on every run."""
    if action == "stop":
        state = settings.set_service_running(False)
        message = "服务已停止"
    else:
        state = settings.set_service_running(True, restart=action == "restart")
        message = "服务已重启" if action == "restart" else "服务已启动"
    return {"message": message, "service_running": bool(state.get("service_running")),
            "uptime_seconds": uptime_seconds(state)}


def cache_stats() -> dict[str, Any]:
    figures = cache.stats()
    lookups = figures["total_hits"] + figures["total_misses"]
    return {
        "cache_size": figures["cache_size"],
        "hit_rate": round(figures["total_hits"] / lookups, 4) if lookups else 0.0,
        "miss_rate": round(figures["total_misses"] / lookups, 4) if lookups else 0.0,
        "total_hits": figures["total_hits"],
        "total_misses": figures["total_misses"],
    }


def filter_rules() -> dict[str, Any]:
    stored = settings.document("filter_rules") or {}
    return FilterRulesIn.model_validate(stored).model_dump()


def save_filter_rules(rules: FilterRulesIn) -> dict[str, Any]:
    value = rules.model_dump()
    value["keyword_blacklist"] = sorted({k.strip() for k in value["keyword_blacklist"] if k.strip()})
    value["keyword_whitelist"] = sorted({k.strip() for k in value["keyword_whitelist"] if k.strip()})
    settings.save_document("filter_rules", value)
    return value


def system_config() -> dict[str, Any]:
    stored = settings.document("system_config") or {}
    return {**SYSTEM_CONFIG_DEFAULTS, "log_retention_days": config.get().log_retention_days, **stored}


def save_system_config(changes: SystemConfigIn) -> dict[str, Any]:
    settings.merge_document("system_config", changes.model_dump(exclude_none=True))
    logs.forget_retention()
    return system_config()


def deployment_config() -> dict[str, Any]:
    """What this deployment is configured with (no secrets: only whether optional secrets are set)."""
    return {
        "version": VERSION,
        "utc_offset": clock.iso()[-6:],
        "log_retention_days": logs.retention_days(),
        "backup_retention_count": config.get().backup_retention_count,
        "update_repository": config.get().update_repository,
        "static_api_token_enabled": bool(config.get().static_api_token),
        "password_reset_email_enabled": bool(config.get().reset_email_to and config.get().reset_email_from),
        "forward_queues": len(config.get().forward_queue_urls),
        "providers": {name: config.get().base_url(name) for name in config.DEFAULT_BASE_URLS},
    }


def paths() -> dict[str, Any]:
    """Where things live (the original listed local folders; here: the bucket and the tables)."""
    return {"backups": f"s3://{config.get().backup_bucket}/", "manual_backups": f"s3://{config.get().backup_bucket}/manual/",
            "automatic_backups": f"s3://{config.get().backup_bucket}/auto/", "config_table": config.get().config_table,
            "logs_table": config.get().logs_table}


def storage_usage() -> dict[str, Any]:
    stored = backups.list_all()
    backup_bytes = sum(b.size for b in stored)
    config_table = tables.describe(config.get().config_table)
    logs_table = tables.describe(config.get().logs_table)
    return {
        "backups": {"count": len(stored), "size_bytes": backup_bytes, "size_mb": round(backup_bytes / 1048576, 3)},
        "logs": {"rows": log_service.count(), "table_size_mb": round(logs_table["size_bytes"] / 1048576, 3)},
        "config": {"items": config_table["item_count"],
                   "table_size_mb": round(config_table["size_bytes"] / 1048576, 3)},
        "images": {"count": 0, "size_mb": 0.0},
        "note": "DynamoDB refreshes table sizes about every six hours",
    }


def overview() -> dict[str, Any]:
    """GET /api/system/stats: today's delivery figures with the system status."""
    return {**status(), "today": log_service.stats("today")}
