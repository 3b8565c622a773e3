"""Request and response bodies of the mappings routes (pydantic).
Secrets are plain `str` and never echoed in errors."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from kook.models.common import Flag, Lenient, Text


class MappingIn(Lenient):
    kook_server_id: Text = Field(default="", max_length=64)
    kook_channel_id: Text = Field(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z_-]+$")
    kook_channel_name: str = Field(default="", max_length=200)
    target_platform: Literal["discord", "telegram", "feishu"] | None = None
    target_bot_id: int = Field(ge=1)
    target_channel_id: Text = Field(default="", max_length=200)
    enabled: Flag = 1


class MappingPatch(Lenient):
    kook_server_id: Text | None = Field(default=None, max_length=64)
    kook_channel_id: Text | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[0-9A-Za-z_-]+$")
    kook_channel_name: str | None = Field(default=None, max_length=200)
    target_platform: Literal["discord", "telegram", "feishu"] | None = None
    target_bot_id: int | None = Field(default=None, ge=1)
    target_channel_id: Text | None = Field(default=None, max_length=200)
    enabled: Flag | None = None


class ToggleIn(Lenient):
    enabled: Flag | None = None


class MappingBatchIn(Lenient):
    mappings: list[dict[str, Any]] = Field(max_length=50)


class MappingImportIn(Lenient):
    mappings: list[dict[str, Any]] = Field(max_length=1000)
    replace_existing: bool = False


# ------------------------------------------------------------------------------------------------ answers

class MappingView(BaseModel):
    id: int
    kook_server_id: str
    kook_channel_id: str
    kook_channel_name: str
    target_platform: str
    target_bot_id: int
    target_channel_id: str
    enabled: int  # 1 or 0
    created_at: str | None
    updated_at: str | None


class MappingList(BaseModel):
    data: list[MappingView]


class MappingAdded(BaseModel):
    message: str
    mapping_id: int
    data: MappingView


class MappingsAdded(BaseModel):
    message: str
    count: int
    data: list[MappingView]


class MappingChanged(BaseModel):
    message: str
    data: MappingView


class MappingToggled(MappingChanged):
    enabled: int


class MappingExport(BaseModel):
    version: str
    export_time: str
    mappings: list[MappingView]


class RowError(BaseModel):
    channel: str
    error: str


class ImportResult(BaseModel):
    success_count: int
    failed_count: int
    errors: list[RowError]
    mappings: list[MappingView]
