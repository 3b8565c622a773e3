"""Request and response bodies of the system routes (pydantic)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

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


ImageStrategy = Literal["smart", "direct", "imgbed"]
RetentionDays = Annotated[int, Field(ge=1, le=365)]


class SystemConfigIn(Lenient):
    """Changed settings only. The original Settings screen posts its whole form: of it, `imageStrategy` and
    `logRetentionDays` are settings here (the snake_case names win when both are sent); its desktop-only keys
    (autoStart, theme, smtp…) are ignored."""

    log_retention_days: RetentionDays | None = None
    image_strategy: ImageStrategy | None = None
    max_retry_attempts: int | None = Field(default=None, ge=0, le=10)
    discord_rate_limit_per_5s: int | None = Field(default=None, ge=1, le=50)
    telegram_rate_limit_per_second: int | None = Field(default=None, ge=1, le=30)
    feishu_rate_limit_per_second: int | None = Field(default=None, ge=1, le=50)
    forward_edits: bool | None = None
    forward_reactions: bool | None = None
    logRetentionDays: RetentionDays | None = None
    imageStrategy: ImageStrategy | None = None

    def changes(self) -> dict[str, Any]:
        """The settings to store, under their own names."""
        values = self.model_dump(exclude_none=True, exclude={"logRetentionDays", "imageStrategy"})
        if self.logRetentionDays is not None:
            values.setdefault("log_retention_days", self.logRetentionDays)
        if self.imageStrategy is not None:
            values.setdefault("image_strategy", self.imageStrategy)
        return values


# ------------------------------------------------------------------------------------------------ answers

class SystemStatus(BaseModel):
    service_running: bool
    redis_connected: bool  # the forwarding queues (SQS) answer
    queue_size: int
    account_count: int
    active_accounts: int
    active_scrapers: int  # = active_accounts, the original front-end's name
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
    data: FilterRulesIn  # the same rules, where the original's Filter screen reads them


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


class OriginalSettings(BaseModel):
    """The settings under the names of the original's Settings screen."""

    imageStrategy: str
    logRetentionDays: int


class SystemConfigAnswer(BaseModel):
    config: SystemConfigView
    data: OriginalSettings


class SystemConfigSaved(SystemConfigAnswer):
    message: str


class OriginalPaths(BaseModel):
    data_dir: str  # the backup bucket
    image_storage: str  # the media bucket's prefix
    log_dir: str  # the logs table
    database: str  # the config table


class Paths(BaseModel):
    paths: dict[str, str]
    data: OriginalPaths


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


class ImageStorage(BaseModel):
    size_gb: float
    count: int
    path: str


class LogStorage(BaseModel):
    size_mb: float
    count: int  # rows
    path: str


class OriginalStorage(BaseModel):
    image: ImageStorage
    log: LogStorage


class StorageUsage(BaseModel):
    data: OriginalStorage  # what the original's Settings screen reads
    backups: BackupUsage
    logs: LogsUsage
    config: ConfigUsage
    images: ImagesUsage
    note: str


class ImagesCleaned(BaseModel):
    message: str
    deleted: int
    freed_mb: float
    count: int  # = deleted, the original's names
    size_mb: float  # = freed_mb
