"""Request and response bodies of the smart mapping routes (pydantic).
Secrets are plain `str` and never echoed in errors."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

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


# ------------------------------------------------------------------------------------------------ answers

class Proposal(BaseModel):
    """A KOOK channel matched to a target by name (the later original's auto-match shape)."""

    kook_server_id: str
    kook_server: str | None
    kook_channel_id: str
    kook_channel: str | None
    target: str  # the target channel id ("" for a bot that is its own channel)
    target_name: str
    target_platform: str
    bot_id: int
    bot_name: str
    confidence: float  # 0–1
    match_reason: str


class MatchStats(BaseModel):
    total_kook_channels: int | None = None
    total_target_channels: int | None = None
    matched_count: int | None = None
    match_rate: float | None = None  # percent


class AutoMatch(BaseModel):
    mappings: list[Proposal]
    stats: MatchStats


class Suggestion(BaseModel):
    """A mapping row with the match's confidence (the original's /suggest shape)."""

    kook_server_id: str
    kook_channel_id: str | None
    kook_channel_name: str
    target_platform: str | None
    target_bot_id: int | None
    target_channel_id: str
    confidence: float
    reason: str


class Suggestions(BaseModel):
    suggestions: list[Suggestion]
    count: int


class PreviewServer(BaseModel):
    id: str
    name: str | None
    icon: str | None
    channel_count: int


class Preview(BaseModel):
    account_id: int
    servers: list[PreviewServer]
    total_channels: int
    suggestions: list[Proposal]
    stats: MatchStats
