"""Request bodies of the smart mapping routes (pydantic). Secrets are plain `str` and never echoed in errors."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from kook.models.common import Lenient, Text


class TargetChannelIn(Lenient):
    id: Text = Field(default="", max_length=200)
    name: str = Field(min_length=1, max_length=200)
    bot_id: int | None = Field(default=None, ge=1)


class AutoMatchIn(Lenient):
    account_id: int = Field(ge=1)
    platform: Literal["discord", "telegram", "feishu"] | None = None
    bot_ids: list[int] | None = Field(default=None, max_length=100)
    server_ids: list[Text] | None = Field(default=None, max_length=50)
    target_channels: list[TargetChannelIn] | None = Field(default=None, max_length=500)
    min_confidence: float = Field(default=0.5, ge=0, le=1)


class SuggestIn(Lenient):
    account_id: int = Field(ge=1)
    kook_servers: list[Text] | None = Field(default=None, max_length=50)
    target_bots: list[int] | None = Field(default=None, max_length=100)
    target_channels: list[TargetChannelIn] | None = Field(default=None, max_length=500)
    min_confidence: float = Field(default=0.5, ge=0, le=1)


class ApplyIn(Lenient):
    mappings: list[dict[str, Any]] = Field(max_length=500)
