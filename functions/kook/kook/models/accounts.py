"""Request and response bodies of the accounts routes (pydantic).
Secrets are plain `str` and never echoed in errors."""

from __future__ import annotations

from pydantic import BaseModel, Field

from kook.models.common import Lenient


class AccountIn(Lenient):
    email: str = Field(min_length=3, max_length=254)
    cookie: str | None = Field(default=None, max_length=32 * 1024)
    password: str | None = Field(default=None, max_length=256)
    bot_token: str | None = Field(default=None, max_length=256)
    verify_token: str | None = Field(default=None, max_length=256)
    encrypt_key: str | None = Field(default=None, max_length=256)


class CookieIn(Lenient):
    cookie: str = Field(min_length=1, max_length=32 * 1024)


class CaptchaIn(Lenient):
    code: str = Field(min_length=1, max_length=32)


# ------------------------------------------------------------------------------------------------ answers

class AccountView(BaseModel):
    """An account as the API shows it: never a secret, only whether one is stored."""

    id: int
    email: str
    status: str  # online while ingestion is started, else offline
    last_active: str | None
    created_at: str | None
    has_cookie: bool
    has_password: bool
    has_bot_token: bool
    cookie_valid: bool | None
    cookie_expires_at: str | None


class AccountList(BaseModel):
    data: list[AccountView]


class AccountAdded(BaseModel):
    message: str
    account_id: int
    warnings: list[str]


class AccountChanged(BaseModel):
    message: str
    account: AccountView


class Server(BaseModel):
    id: str
    name: str | None
    icon: str | None


class ServerList(BaseModel):
    servers: list[Server]


class Channel(BaseModel):
    id: str
    name: str | None
    type: str  # text | voice
    server_id: str
    parent_id: str


class ChannelList(BaseModel):
    channels: list[Channel]


class CookieStatus(BaseModel):
    account_id: int
    has_cookie: bool
    cookie_count: int
    format: str | None
    expires_at: str | None
    expired: bool
    missing_required: list[str]
    valid: bool | None
    checked_at: str | None


class Captcha(BaseModel):
    required: bool
    image_url: str | None
    timestamp: str | None
