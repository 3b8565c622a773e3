"""Request bodies of the mappings routes (pydantic). Secrets are plain `str` and never echoed in errors."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

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
