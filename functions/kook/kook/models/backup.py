"""Request and response bodies of the backup routes, and the backup file itself (pydantic).

A backup file carries secrets only in their KMS-sealed form (`v1.…`), which `SealedSecrets` insists on."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kook.models.common import Lenient
from kook.models.system import FilterRulesIn, SystemConfigIn

FORMAT = "kook-forwarder-backup"
FORMAT_VERSION = 1
SEALED = r"^v1\.[A-Za-z0-9_.-]{1,20000}$"
SETTINGS_DOCUMENTS = {"filter_rules": FilterRulesIn, "system_config": SystemConfigIn}


class RestoreIn(Lenient):
    backup_id: str = Field(pattern=r"^backup_\d{8}_\d{6}(\.json)?$")
    mode: Literal["merge", "replace"] = "merge"


class AutoBackupIn(Lenient):
    keep: int | None = Field(default=None, ge=1, le=100)


# ------------------------------------------------------------------------------------------------ answers

class BackupView(BaseModel):
    backup_id: str  # backup_YYYYMMDD_HHMMSS
    kind: str  # manual | auto
    backup_path: str  # s3://<bucket>/<kind>/<id>.json
    size_mb: float
    size_bytes: int
    created_at: str


class BackupCounts(BaseModel):
    accounts: int
    bots: int
    mappings: int


class BackupCreated(BackupView):
    message: str
    counts: BackupCounts


class AutoBackupDone(BackupCreated):
    pruned: list[str]  # the automatic backups deleted by the retention
    keep: int


class BackupList(BaseModel):
    data: list[BackupView]
    total: int


class SkippedObject(BaseModel):
    type: str  # account | mapping
    id: int
    reason: str


class RestoredCounts(BaseModel):
    accounts: int
    bots: int
    mappings: int


class Restored(BaseModel):
    message: str
    mode: str  # merge | replace
    restored: RestoredCounts
    skipped: list[SkippedObject]


class BackupRestored(Restored):
    backup_id: str


class BackupDeleted(BaseModel):
    message: str
    backup_id: str


class BackupFile(BaseModel):
    """A backup file as downloaded (sent as is): the configuration with every secret still sealed."""

    format: str
    format_version: int
    backup_id: str | None = None
    accounts: list[dict[str, Any]]
    bots: list[dict[str, Any]]
    mappings: list[dict[str, Any]]
    settings: dict[str, dict[str, Any]]  # filter_rules, system_config
    created_at: str | None = None
    kind: str | None = None  # manual | auto
    app_version: str | None = None


# ------------------------------------------------------------------------------------------------ the file

class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore")


class SealedSecrets(_Strict):
    cookie: str | None = Field(default=None, pattern=SEALED)
    password: str | None = Field(default=None, pattern=SEALED)
    bot_token: str | None = Field(default=None, pattern=SEALED)
    verify_token: str | None = Field(default=None, pattern=SEALED)
    encrypt_key: str | None = Field(default=None, pattern=SEALED)


class AccountEntry(_Strict):
    id: int = Field(ge=1)
    email: str = Field(min_length=3, max_length=254)
    status: str = Field(default="offline", max_length=20)
    ingestion_enabled: bool = False
    created_at: str | None = Field(default=None, max_length=40)
    last_active: str | None = Field(default=None, max_length=40)
    cookie_meta: dict[str, Any] | None = None
    sealed: SealedSecrets = Field(default_factory=SealedSecrets)


class BotEntry(_Strict):
    id: int = Field(ge=1)
    platform: Literal["discord", "telegram", "feishu"]
    name: str = Field(min_length=1, max_length=100)
    status: str = Field(default="active", max_length=20)
    created_at: str | None = Field(default=None, max_length=40)
    config_public: dict[str, str] = Field(default_factory=dict)
    config_masked: dict[str, str] = Field(default_factory=dict)
    secret_sealed: str = Field(pattern=SEALED)


class MappingEntry(_Strict):
    id: int = Field(ge=1)
    kook_server_id: str = Field(default="", max_length=64)
    kook_channel_id: str = Field(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z_-]+$")
    kook_channel_name: str = Field(default="", max_length=200)
    target_platform: Literal["discord", "telegram", "feishu"]
    target_bot_id: int = Field(ge=1)
    target_channel_id: str = Field(default="", max_length=200)
    enabled: Literal[0, 1] = 1
    created_at: str | None = Field(default=None, max_length=40)
    updated_at: str | None = Field(default=None, max_length=40)


class BackupDocument(_Strict):
    format: Literal["kook-forwarder-backup"]
    format_version: int = Field(ge=1, le=FORMAT_VERSION)
    backup_id: str | None = None
    created_at: str | None = None
    accounts: list[AccountEntry] = Field(default_factory=list, max_length=1000)
    bots: list[BotEntry] = Field(default_factory=list, max_length=1000)
    mappings: list[MappingEntry] = Field(default_factory=list, max_length=10000)
    settings: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @field_validator("settings")
    @classmethod
    def _known_settings_are_valid(cls, value: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        for name, model in SETTINGS_DOCUMENTS.items():
            if name in value:
                model.model_validate(value[name])  # refused here (400), never half-restored
        return value
