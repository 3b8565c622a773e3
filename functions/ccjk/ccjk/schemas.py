"""Request bodies as pydantic models: validation, aliases (content=body, channel=channels[], wechat=wecom) and
limits in one place. Unknown fields are ignored (clients send extras such as `metadata`), never stored blindly."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ChannelName = Literal["feishu", "wecom", "wechat", "dingtalk"]
NotificationType = Literal["task_progress", "task_completed", "task_failed", "ask_user", "custom",
                           "task_started", "task_cancelled", "system", "info", "success", "warning", "error"]
MAX_DATA_BYTES = 8 * 1024
MAX_BATCH_DEVICES = 50


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


def _stripped(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


# ------------------------------------------------------------------------------------------------ devices

class RegisterDevice(_Body):
    name: str = Field(min_length=1, max_length=100)
    type: Literal["desktop", "mobile", "web", "cli"] | None = None
    platform: str | None = Field(None, max_length=64)
    hostname: str | None = Field(None, max_length=255)
    version: str | None = Field(None, max_length=64)
    token: str | None = Field(None, max_length=512, description="an existing device token: refresh, not create")

    @field_validator("name", mode="before")
    @classmethod
    def _strip_name(cls, value: Any) -> Any:
        return _stripped(value)


class ChannelConfigIn(_Body):
    webhook: str | None = Field(None, max_length=2048)
    webhookUrl: str | None = Field(None, max_length=2048)
    secret: str | None = Field(None, max_length=256)


class ChannelIn(_Body):
    type: ChannelName
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
    def secret_given(self) -> bool:
        return "secret" in self.model_fields_set or bool(self.config and "secret" in self.config.model_fields_set)

    @property
    def secret_value(self) -> str | None:
        if "secret" in self.model_fields_set:
            return self.secret
        return self.config.secret if self.config else None


class UpdateChannels(_Body):
    channels: list[ChannelIn] = Field(max_length=3)


# ------------------------------------------------------------------------------------------------ notify

class NotifyRequest(_Body):
    title: str | None = Field(None, max_length=100)
    content: str | None = Field(None, max_length=4000)
    body: str | None = Field(None, max_length=4000)
    channel: Literal["feishu", "wecom", "wechat", "dingtalk", "all"] | None = None
    channels: list[Literal["feishu", "wecom", "wechat", "dingtalk", "all"]] | None = Field(None, max_length=4)
    priority: Literal["low", "normal", "high", "urgent"] = "normal"
    type: NotificationType = "custom"
    data: dict[str, Any] | None = None
    waitReply: bool = False
    taskId: str | None = Field(None, max_length=128)

    @model_validator(mode="after")
    def _content_required(self) -> NotifyRequest:
        if not (self.content or self.body or "").strip():
            raise ValueError("content (or body) is required")
        if self.title is not None and not self.title.strip():
            self.title = None
        if self.data is not None and len(json.dumps(self.data, default=str)) > MAX_DATA_BYTES:
            raise ValueError(f"data must be at most {MAX_DATA_BYTES} bytes of JSON")
        return self

    @property
    def text(self) -> str:
        return (self.content if (self.content or "").strip() else self.body or "").strip()

    def requested_channels(self) -> list[str] | None:
        """The channel names asked for; None means every enabled channel (`all`, or nothing given)."""
        names = list(self.channels or []) + ([self.channel] if self.channel else [])
        if not names or "all" in names:
            return None
        return names

    def fingerprint(self) -> dict[str, Any]:
        """What makes two requests 'identical' for deduplication."""
        return {"title": self.title, "text": self.text, "channels": sorted(set(self.requested_channels() or ["*"])),
                "priority": self.priority, "type": self.type, "data": self.data, "taskId": self.taskId}


class NotifyBatchRequest(NotifyRequest):
    deviceIds: list[str] = Field(min_length=1, max_length=MAX_BATCH_DEVICES)

    @field_validator("deviceIds")
    @classmethod
    def _reasonable_ids(cls, value: list[str]) -> list[str]:
        if any(not isinstance(i, str) or not 1 <= len(i) <= 64 for i in value):
            raise ValueError("every device id must be 1-64 characters")
        return list(dict.fromkeys(value))  # duplicates collapse: a device is notified once


# ------------------------------------------------------------------------------------------------ auth

class RegisterUser(_Body):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=8, max_length=128)
    name: str | None = Field(None, max_length=100)


class Login(_Body):
    email: str = Field(min_length=3, max_length=254)
    password: str | None = Field(None, max_length=1024)


class BindDeviceInfo(_Body):
    name: str = Field("My device", min_length=1, max_length=100)
    platform: str | None = Field(None, max_length=64)
    hostname: str | None = Field(None, max_length=255)
    version: str | None = Field(None, max_length=64)
    type: Literal["desktop", "mobile", "web", "cli"] | None = None


class UseBindCode(_Body):
    code: str = Field(min_length=1, max_length=16)
    device: BindDeviceInfo = Field(default_factory=BindDeviceInfo)


# ------------------------------------------------------------------------------------------------ cloud sync

class SyncData(BaseModel):
    model_config = ConfigDict(extra="forbid")  # an unknown type is a mistake worth a 400, not silence

    skills: list[Any] | None = None
    mcpServers: dict[str, Any] | None = None
    prompts: list[Any] | None = None
    hooks: list[Any] | None = None


class PushRequest(_Body):
    data: SyncData
    force: bool = False
    baseVersions: dict[str, int] | None = Field(
        None, description='"<type>/<itemId>" → the version the client last pulled (from pull\'s `versions`)')


class PullRequest(_Body):
    since: str | None = None
    types: list[Literal["skills", "mcpServers", "prompts", "hooks"]] | None = None


class ResolveConflict(_Body):
    conflictId: str = Field(min_length=1, max_length=64)
    resolution: Literal["local", "remote", "merged"]
    mergedContent: Any = None
