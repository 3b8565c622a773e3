"""Request and response bodies of the bots routes (pydantic).
Secrets are plain `str` and never echoed in errors."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from kook.models.common import Lenient


class BotIn(Lenient):
    platform: Literal["discord", "telegram", "feishu"]
    name: str = Field(min_length=1, max_length=100)
    config: dict[str, Any] = Field(default_factory=dict)


# ------------------------------------------------------------------------------------------------ answers

class BotView(BaseModel):
    """A bot as the API shows it: the secret part of its config masked (`1234****wxyz`)."""

    id: int
    platform: str
    name: str
    config: dict[str, Any]
    status: str  # active | failing
    created_at: str | None
    last_test_at: str | None
    last_test_ok: bool | None


class BotList(BaseModel):
    data: list[BotView]


class BotAdded(BaseModel):
    message: str
    bot_id: int
    data: BotView


class BotDeleted(BaseModel):
    message: str
    deleted_mappings: int


class BotTested(BaseModel):
    message: str
    latency_ms: int


class BotCheck(BaseModel):
    bot_id: int
    platform: str
    healthy: bool
    message: str
    latency_ms: int | None
    checked_at: str


class TelegramChat(BaseModel):
    chat_id: str
    type: str | None
    title: str | None


class TelegramChats(BaseModel):
    chat_ids: list[TelegramChat]
    count: int
