"""Bodies of the notification routes (docs/certctrl.md §8, "Notifications")."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

Name = Annotated[str, Field(min_length=1, max_length=64)]
WechatId = Annotated[str, Field(min_length=1, max_length=128)]
Locale = Literal["en", "zh"]


class ChannelCreate(BaseModel):
    type: Literal["email", "wechat"]
    name: Name
    address: Annotated[str, Field(min_length=3, max_length=254)] | None = None  # email
    locale: Locale = "en"
    enabled: bool = True
    app_id: WechatId | None = None  # wechat: the official account
    app_secret: Annotated[str, Field(min_length=1, max_length=128)] | None = None
    open_id: WechatId | None = None  # the follower who receives the messages
    template_id: WechatId | None = None  # a template message with {{title.DATA}} and {{content.DATA}}


class ChannelUpdate(BaseModel):
    name: Name | None = None
    address: Annotated[str, Field(min_length=3, max_length=254)] | None = None
    locale: Locale | None = None
    enabled: bool | None = None
    app_id: WechatId | None = None
    app_secret: Annotated[str, Field(min_length=1, max_length=128)] | None = None
    open_id: WechatId | None = None
    template_id: WechatId | None = None


class VerifyEmail(BaseModel):
    code: Annotated[str, Field(min_length=1, max_length=32)]


class SubscriptionCreate(BaseModel):
    event_key: Annotated[str, Field(min_length=1, max_length=64)]
    channel: Annotated[str, Field(min_length=1, max_length=20)]
    enabled: bool = True


class SubscriptionPut(BaseModel):
    enabled: bool = True


class TemplateBody(BaseModel):
    event_key: Annotated[str, Field(min_length=1, max_length=64)]
    channel_type: Literal["email", "wechat"]
    locale: Locale = "en"
    subject: Annotated[str, Field(min_length=1, max_length=200)]
    body: Annotated[str, Field(min_length=1, max_length=4000)]


class TemplateCreate(TemplateBody):
    id: Annotated[str, Field(min_length=1, max_length=100)] | None = None


class HandshakeRequest(BaseModel):
    channel_id: Annotated[int, Field(ge=1)]


# ------------------------------------------------------------------------------------------------ answers

class WechatView(BaseModel):
    app_id: str | None = None
    open_id: str | None = None
    template_id: str | None = None
    app_secret_set: bool


class ChannelView(BaseModel):
    id: int
    type: str
    name: str
    address: str | None = None
    locale: str
    verified: bool
    enabled: bool
    created_at: int  # ms
    updated_at: int
    verified_at: int | None = None
    wechat: WechatView | None = None


class CodeSent(BaseModel):
    status: Literal["code_sent"]
    expires_in: int
    resend_after: int


class SubscriptionView(BaseModel):
    event_key: str
    channel: str
    enabled: bool
    created_at: int
    updated_at: int


class TemplateView(BaseModel):
    id: str
    event_key: str
    channel_type: str
    locale: str
    subject: str
    body: str
    source: Literal["builtin", "override", "custom"]
    updated_at: int | None = None


class HandshakeView(BaseModel):
    channel_id: int
    handshake_token: str
    url: str  # the official account's server URL
    token: str  # its Token (shown once)
    token_hint: str
    expires_at: int  # epoch seconds
