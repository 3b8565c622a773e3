"""Request and response bodies of the smart mapping routes (pydantic).
Secrets are plain `str` and never echoed in errors."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field, RootModel

from kook.models.common import Lenient, Text


class TargetChannelIn(Lenient):
    id: Text = Field(default="", max_length=200)
    name: str = Field(min_length=1, max_length=200)
    bot_id: int | None = Field(default=None, ge=1)


class AutoMatchIn(Lenient):
    account_id: int | None = Field(default=None, ge=1)  # required: the route answers 400 MISSING_PARAM without it
    platform: Literal["discord", "telegram", "feishu"] | None = None
    bot_ids: list[int] | None = Field(default=None, max_length=100)
    server_ids: list[Text] | None = Field(default=None, max_length=50)
    target_channels: list[TargetChannelIn] | None = Field(default=None, max_length=500)
    min_confidence: float = Field(default=0.5, ge=0, le=1)


def _channel_type(value: Any) -> Any:
    # KOOK numbers its channel types (1 text, 2 voice); our channel lists name them.
    return {1: "text", 2: "voice"}.get(value, value) if isinstance(value, int) and not isinstance(value, bool) \
        else value


KookId = Annotated[Text, Field(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z_-]+$")]


class KookChannelIn(Lenient):
    """A channel as GET /api/accounts/{id}/servers/{server_id}/channels lists it."""

    id: KookId
    name: str = Field(default="", max_length=200)
    type: Annotated[str, BeforeValidator(_channel_type)] = Field(default="text", max_length=20)


class KookServerIn(Lenient):
    """A server as the original front-end sends it: with its name and the channels it already read."""

    id: KookId
    name: str | None = Field(default=None, max_length=200)
    channels: list[KookChannelIn] | None = Field(default=None, max_length=1000)


class BotRef(Lenient):
    """A bot row as GET /api/bots lists it (only its id is read)."""

    id: int = Field(ge=1)


class SuggestIn(Lenient):
    """`kook_servers`: ids (their channels are read from KOOK) or server objects with their channels (the
    original front-end's shape); `target_bots`: bot ids or bot rows."""

    account_id: int = Field(ge=1)
    kook_servers: list[KookId | KookServerIn] | None = Field(default=None, max_length=50)
    target_bots: list[int | BotRef] | None = Field(default=None, max_length=100)
    target_channels: list[TargetChannelIn] | None = Field(default=None, max_length=500)
    min_confidence: float = Field(default=0.5, ge=0, le=1)

    def servers(self) -> list[KookServerIn] | None:
        if self.kook_servers is None:
            return None
        return [s if isinstance(s, KookServerIn) else KookServerIn(id=s) for s in self.kook_servers]

    def bot_ids(self) -> list[int] | None:
        if self.target_bots is None:
            return None
        return [b.id if isinstance(b, BotRef) else b for b in self.target_bots]


class ApplyIn(Lenient):
    mappings: list[dict[str, Any]] = Field(max_length=500)


class ApplyRows(RootModel[list[dict[str, Any]]]):
    """The accepted suggestions themselves, a JSON array: what the original front-end posts."""

    root: list[dict[str, Any]] = Field(max_length=500)


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
    kook_server_name: str | None
    target_channel_name: str  # the target channel's name, or the bot's where the bot is the channel


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
