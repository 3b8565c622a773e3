"""Devices: registration and channels (either request form: the spec's `webhookUrl`/`secret`, the typed client's
`config{webhook, secret}`; `wechat` is an alias of `wecom`), and what the device routes answer."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from ccjk.models.common import Body, View, stripped

ChannelName = Literal["feishu", "wecom", "wechat", "dingtalk"]
DeviceType = Literal["desktop", "mobile", "web", "cli"]


class RegisterDevice(Body):
    name: str = Field(min_length=1, max_length=100)
    type: DeviceType | None = None
    platform: str | None = Field(None, max_length=64)
    hostname: str | None = Field(None, max_length=255)
    version: str | None = Field(None, max_length=64)
    token: str | None = Field(None, max_length=512, description="an existing device token: refresh, not create")

    @field_validator("name", mode="before")
    @classmethod
    def _strip_name(cls, value: Any) -> Any:
        return stripped(value)


class ChannelConfigIn(Body):
    webhook: str | None = Field(None, max_length=2048)
    webhookUrl: str | None = Field(None, max_length=2048)
    secret: str | None = Field(None, max_length=256)
    corpId: str | None = Field(None, max_length=128, description="A WeCom application (the notification client's "
                                                                 "`wechat`): not supported, refused per channel")


class ChannelIn(Body):
    type: Annotated[str, Field(min_length=1, max_length=32)] = Field(
        description="feishu | dingtalk | wecom | wechat; other names (the notification client's email, sms) are "
                    "answered as not configured, the rest of the set is saved")
    enabled: bool = True
    webhookUrl: str | None = Field(None, max_length=2048)
    webhook: str | None = Field(None, max_length=2048)
    secret: str | None = Field(None, max_length=256)
    config: ChannelConfigIn | None = None

    @property
    def webhook_url(self) -> str | None:
        config = self.config or ChannelConfigIn()
        return self.webhookUrl or self.webhook or config.webhook or config.webhookUrl

    @property
    def unsupported(self) -> str | None:
        """Why the server cannot deliver to this channel (it is then left out of the set), or None."""
        if self.type not in ("feishu", "wecom", "wechat", "dingtalk"):
            return "channel not supported by the server"
        if self.config and self.config.corpId and not self.webhook_url:
            return "WeCom applications are not supported: configure a group robot webhook"
        return None

    @property
    def secret_given(self) -> bool:
        return "secret" in self.model_fields_set or bool(self.config and "secret" in self.config.model_fields_set)

    @property
    def secret_value(self) -> str | None:
        if "secret" in self.model_fields_set:
            return self.secret
        return self.config.secret if self.config else None


class UpdateChannels(Body):
    channels: list[ChannelIn] = Field(max_length=8)


# ------------------------------------------------------------------------------------------------ responses

class RegisteredDevice(View):
    deviceId: str = Field(description="`dev_…`")
    token: str = Field(description="The device token (`dt_…`): send it as X-Device-Token")
    name: str
    type: DeviceType | None
    createdAt: str
    registeredAt: str
    isNew: bool = Field(description="false when an existing device was refreshed by its token (HTTP 200)")


class ChannelConfigView(View):
    webhook: str = Field(description="The webhook URL with its credential masked")
    secretConfigured: bool


class ChannelView(View):
    """A channel as clients see it: both the spec's form and the typed client's `config` form, never a secret."""

    type: ChannelName = Field(description="As the client named it (`wechat` stays `wechat`)")
    enabled: bool
    configured: bool
    webhookUrl: str = Field(description="The webhook URL with its credential masked")
    secretConfigured: bool
    config: ChannelConfigView
    updatedAt: str | None


class DeviceView(View):
    deviceId: str
    id: str
    name: str
    type: DeviceType | None
    platform: str | None
    hostname: str | None
    version: str | None
    userId: str | None = Field(description="The user the device is bound to (POST /bind/use)")
    channels: list[ChannelView]
    createdAt: str
    lastActiveAt: str
    lastSeenAt: str
    status: Literal["online", "busy", "offline"] = Field(
        description="What the device's ccjk daemon last reported, offline after 90 s without a heartbeat")


class NewToken(View):
    token: str = Field(description="The new device token; the old one no longer works")


class ChannelRefused(View):
    """A channel of a PUT that the server cannot deliver to: not stored, said so."""

    type: str
    enabled: bool
    configured: Literal[False]
    error: str


class ChannelList(View):
    channels: list[ChannelView | ChannelRefused]
