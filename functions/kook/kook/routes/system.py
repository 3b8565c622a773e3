"""System control: status, start/stop/restart (persisted), cache stats, config, filter rules, storage."""

from kook.access import ADMIN
from kook.api import ENVELOPE
from kook.logic import health, logs, system
from kook.models.health import HealthCheck
from kook.models.logs import Cleared
from kook.models.system import (
    CacheStats,
    CleanupLogsIn,
    DeploymentConfigAnswer,
    FilterRulesAnswer,
    FilterRulesIn,
    FilterRulesSaved,
    ImagesCleaned,
    Paths,
    ServiceControl,
    StorageUsage,
    SystemConfigAnswer,
    SystemConfigIn,
    SystemConfigSaved,
    SystemStats,
    SystemStatus,
)
from suite.api import Router

router = Router()
TAGS = ["system"]


@router.get("/api/system/status", auth=ADMIN, returns=SystemStatus, tags=TAGS, summary="Service status and counts")
def status():
    return ENVELOPE.ok(system.status())


@router.post("/api/system/start", auth=ADMIN, returns=ServiceControl, tags=TAGS,
             summary="Enable ingestion and forwarding")
def start():
    return ENVELOPE.ok(system.control("start"))


@router.post("/api/system/stop", auth=ADMIN, returns=ServiceControl, tags=TAGS,
             summary="Disable ingestion and forwarding")
def stop():
    return ENVELOPE.ok(system.control("stop"))


@router.post("/api/system/restart", auth=ADMIN, returns=ServiceControl, tags=TAGS,
             summary="Restart (resets the uptime)")
def restart():
    return ENVELOPE.ok(system.control("restart"))


@router.get("/api/cache/stats", auth=ADMIN, returns=CacheStats, tags=TAGS, summary="Cache size and hit rate")
def cache_stats():
    return ENVELOPE.ok(system.cache_stats())


@router.get("/api/system/config", auth=ADMIN, returns=DeploymentConfigAnswer, tags=TAGS,
            summary="Deployment configuration (no secrets)")
def deployment_config():
    return ENVELOPE.ok({"config": system.deployment_config()})


@router.get("/api/system/filter-rules", auth=ADMIN, returns=FilterRulesAnswer, tags=TAGS,
            summary="Keyword and user filters")
def filter_rules():
    return ENVELOPE.ok({"rules": system.filter_rules()})


@router.post("/api/system/filter-rules", auth=ADMIN, returns=FilterRulesSaved, tags=TAGS,
             summary="Save keyword and user filters")
def save_filter_rules(body: FilterRulesIn):
    return ENVELOPE.ok({"message": "过滤规则已保存", "rules": system.save_filter_rules(body)})


@router.get("/api/system/system-config", auth=ADMIN, returns=SystemConfigAnswer, tags=TAGS,
            summary="Forwarding settings")
def system_config():
    return ENVELOPE.ok({"config": system.system_config()})


@router.post("/api/system/system-config", auth=ADMIN, returns=SystemConfigSaved, tags=TAGS,
             summary="Change forwarding settings")
def save_system_config(body: SystemConfigIn):
    return ENVELOPE.ok({"message": "配置已保存", "config": system.save_system_config(body)})


@router.get("/api/system/health", auth=ADMIN, returns=HealthCheck, tags=TAGS,
            summary="Component checks (as /api/health/check)")
def system_health():
    return ENVELOPE.ok(health.check())


@router.get("/api/system/stats", auth=ADMIN, returns=SystemStats, tags=TAGS,
            summary="Status with today's delivery figures")
def system_stats():
    return ENVELOPE.ok(system.overview())


@router.get("/api/system/paths", auth=ADMIN, returns=Paths, tags=TAGS, summary="Where backups and data live")
def paths():
    return ENVELOPE.ok({"paths": system.paths()})


@router.get("/api/system/storage-usage", auth=ADMIN, returns=StorageUsage, tags=TAGS,
            summary="Backup and table sizes")
def storage_usage():
    return ENVELOPE.ok(system.storage_usage())


@router.post("/api/system/cleanup-logs", auth=ADMIN, returns=Cleared, tags=TAGS,
             summary="Delete old logs ({days}, default 30)")
def cleanup_logs(body: CleanupLogsIn | None = None):
    days = body.days if body and body.days is not None else 30
    result = logs.clear(days)
    return ENVELOPE.ok({"message": f"已清除{result['deleted']}条日志", **result})


@router.post("/api/system/cleanup-images", auth=ADMIN, returns=ImagesCleaned, tags=TAGS,
             summary="Clean up cached images")
def cleanup_images():
    return ENVELOPE.ok({"message": "本服务不在本地保存图片，无需清理", "deleted": 0, "freed_mb": 0.0})
