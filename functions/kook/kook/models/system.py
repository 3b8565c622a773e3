"""Request and response bodies of the system routes (pydantic)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from kook.models.common import Lenient, Text
from kook.models.logs import LogStats


class UserRule(Lenient):
    """A user in a black- or whitelist: KOOK id and/or name (user name or nickname)."""

    id: Text = Field(default="", max_length=64)
    name: str = Field(default="", max_length=100)


class CleanupLogsIn(Lenient):
    days: int | None = Field(default=None, ge=0, le=3650)


class FilterRulesIn(Lenient):
    keyword_blacklist: list[str] = Field(default_factory=list, max_length=500)
    keyword_whitelist: list[str] = Field(default_factory=list, max_length=500)
    keyword_filter_enabled: bool = False
    user_blacklist: list[UserRule] = Field(default_factory=list, max_length=500)
    user_whitelist: list[UserRule] = Field(default_factory=list, max_length=500)
    user_filter_enabled: bool = False
    message_types: list[Literal["text", "image", "file", "link", "video", "audio", "card"]] = Field(
        default_factory=lambda: ["text", "image", "file", "link"])
    only_mention_all: bool = False
    ignore_bot_messages: bool = False  # loop prevention for third-party bridges (our own bots are always ignored)


class SystemConfigIn(Lenient):
    log_retention_days: int | None = Field(default=None, ge=1, le=365)
    image_strategy: Literal["smart", "direct", "imgbed"] | None = None
    max_retry_attempts: int | None = Field(default=None, ge=0, le=10)
    discord_rate_limit_per_5s: int | None = Field(default=None, ge=1, le=50)
    telegram_rate_limit_per_second: int | None = Field(default=None, ge=1, le=30)
    feishu_rate_limit_per_second: int | None = Field(default=None, ge=1, le=50)
    forward_edits: bool | None = None
    forward_reactions: bool | None = None


# ------------------------------------------------------------------------------------------------ answers

class SystemStatus(BaseModel):
    service_running: bool
    redis_connected: bool  # the forwarding queues (SQS) answer
    queue_size: int
    account_count: int
    active_accounts: int
    bot_count: int
    mapping_count: int
    uptime_seconds: int
    version: str
    started_at: str | None
    last_ingest_at: str | None


class SystemStats(SystemStatus):
    today: LogStats


class ServiceControl(BaseModel):
    message: str
    service_running: bool
    uptime_seconds: int


class CacheStats(BaseModel):
    cache_size: int
    hit_rate: float
    miss_rate: float
    total_hits: int
    total_misses: int


class DeploymentConfig(BaseModel):
    version: str
    utc_offset: str
    log_retention_days: int
    backup_retention_count: int
    update_repository: str
    static_api_token_enabled: bool
    password_reset_email_enabled: bool
    forward_queues: int
    providers: dict[str, str]


class DeploymentConfigAnswer(BaseModel):
    config: DeploymentConfig


class FilterRulesAnswer(BaseModel):
    rules: FilterRulesIn


class FilterRulesSaved(FilterRulesAnswer):
    message: str


class SystemConfigView(BaseModel):
    image_strategy: str
    max_retry_attempts: int
    discord_rate_limit_per_5s: int
    telegram_rate_limit_per_second: int
    feishu_rate_limit_per_second: int
    forward_edits: bool
    forward_reactions: bool
    log_retention_days: int


class SystemConfigAnswer(BaseModel):
    config: SystemConfigView


class SystemConfigSaved(SystemConfigAnswer):
    message: str


class Paths(BaseModel):
    paths: dict[str, str]


class BackupUsage(BaseModel):
    count: int
    size_bytes: int
    size_mb: float


class LogsUsage(BaseModel):
    rows: int
    table_size_mb: float


class ConfigUsage(BaseModel):
    items: int
    table_size_mb: float


class ImagesUsage(BaseModel):
    count: int
    size_mb: float


class StorageUsage(BaseModel):
    backups: BackupUsage
    logs: LogsUsage
    config: ConfigUsage
    images: ImagesUsage
    note: str


class ImagesCleaned(BaseModel):
    message: str
    deleted: int
    freed_mb: float
