"""Request bodies of the system routes (pydantic). Secrets are plain `str` and never echoed in errors."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from kook.models.common import Lenient


class CleanupLogsIn(Lenient):
    days: int | None = Field(default=None, ge=0, le=3650)


class FilterRulesIn(Lenient):
    keyword_blacklist: list[str] = Field(default_factory=list, max_length=500)
    keyword_whitelist: list[str] = Field(default_factory=list, max_length=500)
    keyword_filter_enabled: bool = False
    user_blacklist: list[dict[str, Any]] = Field(default_factory=list, max_length=500)
    user_whitelist: list[dict[str, Any]] = Field(default_factory=list, max_length=500)
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
