"""Notifications: the request (aliases content=body, channel=channels[]; limits), the batch request, and what the
notify routes answer."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from ccjk.models.common import Body, Provider, View

NotificationType = Literal["task_progress", "task_completed", "task_failed", "ask_user", "custom",
                           "task_started", "task_cancelled", "system", "info", "success", "warning", "error"]
Priority = Literal["low", "normal", "high", "urgent"]
DeliveryStatus = Literal["pending", "sent", "failed"]
MAX_DATA_BYTES = 8 * 1024
MAX_TASK_BYTES = 4 * 1024  # task and metadata, each
MAX_BATCH_DEVICES = 50
MAX_ACTIONS = 5
# Channel names are the client's: feishu | dingtalk | wecom | wechat | all, and whatever else its local config
# knows (the notification client sends email and sms): those are refused per channel, not as a bad request.
ChannelName = Annotated[str, Field(min_length=1, max_length=32)]


class Action(Body):
    """A reply option: a button where the platform has them (Feishu card, DingTalk action card), else listed."""

    id: str = Field(min_length=1, max_length=64)
    label: str = Field(min_length=1, max_length=40)
    value: str = Field("", max_length=256)
    primary: bool = False


def _json_size(value: Any) -> int:
    return len(json.dumps(value, default=str, ensure_ascii=False).encode())


class NotifyRequest(Body):
    title: str | None = Field(None, max_length=100)
    content: str | None = Field(None, max_length=4000)
    body: str | None = Field(None, max_length=4000)
    channel: ChannelName | None = None
    channels: list[ChannelName] | None = Field(None, max_length=8)
    priority: Priority = "normal"
    type: NotificationType = "custom"
    data: dict[str, Any] | None = None
    waitReply: bool = False
    taskId: str | None = Field(None, max_length=128)
    actions: list[Action] | None = Field(None, max_length=MAX_ACTIONS)
    task: dict[str, Any] | None = Field(None, description="The notification client's task ({taskId, description, "
                                                          "status, ...}), kept as sent (at most 4 KB of JSON)")
    metadata: dict[str, Any] | None = Field(None, description="Kept as sent (at most 4 KB of JSON)")

    @model_validator(mode="after")
    def _content_required(self) -> NotifyRequest:
        if not (self.content or self.body or "").strip():
            raise ValueError("content (or body) is required")
        if self.title is not None and not self.title.strip():
            self.title = None
        if self.data is not None and _json_size(self.data) > MAX_DATA_BYTES:
            raise ValueError(f"data must be at most {MAX_DATA_BYTES} bytes of JSON")
        for name in ("task", "metadata"):
            value = getattr(self, name)
            if value is not None and _json_size(value) > MAX_TASK_BYTES:
                raise ValueError(f"{name} must be at most {MAX_TASK_BYTES} bytes of JSON")
        if self.actions and len({a.id for a in self.actions}) != len(self.actions):
            raise ValueError("action ids must be unique")
        return self

    @property
    def waits(self) -> bool:
        """Whether a reply is expected: asked for, or implied (CCJKCloudClient.ask sends actions, never the flag)."""
        return self.waitReply or self.type == "ask_user" or bool(self.actions)

    def action_values(self) -> list[dict[str, Any]]:
        """The actions as sent (only the fields the client gave)."""
        return [a.model_dump(exclude_unset=True) for a in self.actions or []]

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
                "priority": self.priority, "type": self.type, "data": self.data, "taskId": self.taskId,
                "waitReply": self.waits, "actions": self.action_values(), "task": self.task,
                "metadata": self.metadata}


class NotifyBatchRequest(NotifyRequest):
    deviceIds: list[str] = Field(min_length=1, max_length=MAX_BATCH_DEVICES)

    @field_validator("deviceIds")
    @classmethod
    def _reasonable_ids(cls, value: list[str]) -> list[str]:
        if any(not isinstance(i, str) or not 1 <= len(i) <= 64 for i in value):
            raise ValueError("every device id must be 1-64 characters")
        return list(dict.fromkeys(value))  # duplicates collapse: a device is notified once


# ------------------------------------------------------------------------------------------------ responses

class ChannelQueued(View):
    type: str = Field(description="The channel as the client named it (or as it was configured)")
    status: DeliveryStatus
    success: bool = Field(description="Accepted for delivery (queued); false with `error` when the channel cannot "
                                      "be used (not configured, disabled, unknown to the server)")
    error: str | None = Field(None, description="Why the channel was not queued")


class ChannelResult(View):
    """The notification client's per-channel result."""

    channel: str
    success: bool
    status: DeliveryStatus
    sentAt: None = Field(None, description="null: delivery happens after the answer")
    error: str | None = None


class NotifyAccepted(View):
    """Queued: the outcome is read from GET /notify/history?notificationId=…"""

    notificationId: str
    status: DeliveryStatus
    sent: bool = Field(description="Always false: delivery happens after the answer")
    queued: int = Field(description="How many channels were queued")
    channels: list[ChannelQueued]
    results: list[ChannelResult]
    waitReply: bool = Field(description="A reply is expected (asked for, `ask_user`, or actions given)")
    replyCode: str | None = Field(None, description="When a reply is expected: `#<replyCode> <answer>` in a chat "
                                                    "replies to this notification")
    createdAt: str
    sentAt: None = None


class BatchDeviceAccepted(NotifyAccepted):
    deviceId: str
    success: Literal[True]


class BatchDeviceRefused(View):
    deviceId: str
    success: Literal[False]
    error: str
    code: str = Field(description="CHANNEL_NOT_CONFIGURED, …")


class BatchAccepted(View):
    total: int
    sent: int = Field(description="Devices with at least one channel queued")
    failed: int = Field(description="Devices without a usable channel")
    results: list[BatchDeviceAccepted | BatchDeviceRefused]


class DeliveryView(View):
    type: Provider
    status: DeliveryStatus
    attempts: int
    error: str | None
    httpStatus: int | None
    lastAttemptAt: str | None
    deliveredAt: str | None


class NotificationView(View):
    id: str
    notificationId: str
    type: NotificationType
    title: str | None
    body: str
    priority: Priority
    status: DeliveryStatus = Field(description="pending while any channel is; then sent if every channel was, "
                                               "else failed")
    createdAt: str
    channels: list[DeliveryView]
    data: dict[str, Any] | None = None
    waitReply: bool
    replyCode: str | None = None
    actions: list[Action] = Field(description="The reply options as sent")
    taskId: str | None = None
    task: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None


class History(View):
    """Newest first; `pagination: {page, limit, total, totalPages}` beside `data`."""

    notifications: list[NotificationView]


# ------------------------------------------------------------------------------------------------ POST /notify/test

class TestChannel(View):
    type: str = Field(description="The channel as it was configured (wechat stays wechat)")
    success: bool
    error: str | None = Field(None, description="The provider's own error (`dingtalk error 310000: ...`)")


class TestResult(View):
    channel: str
    success: bool
    sentAt: str | None
    error: str | None = None


class TestSent(View):
    """Sent now to every enabled channel; recorded in the history as a `system` notification."""

    notificationId: str
    sent: bool = Field(description="At least one channel delivered it")
    channels: list[TestChannel]
    results: list[TestResult]
    createdAt: str
