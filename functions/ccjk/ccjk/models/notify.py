"""Notifications: the request (aliases content=body, channel=channels[]; limits), the batch request, and what the
notify routes answer."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from ccjk.models.common import Body, Provider, View

NotificationType = Literal["task_progress", "task_completed", "task_failed", "ask_user", "custom",
                           "task_started", "task_cancelled", "system", "info", "success", "warning", "error"]
Priority = Literal["low", "normal", "high", "urgent"]
DeliveryStatus = Literal["pending", "sent", "failed"]
MAX_DATA_BYTES = 8 * 1024
MAX_BATCH_DEVICES = 50


class NotifyRequest(Body):
    title: str | None = Field(None, max_length=100)
    content: str | None = Field(None, max_length=4000)
    body: str | None = Field(None, max_length=4000)
    channel: Literal["feishu", "wecom", "wechat", "dingtalk", "all"] | None = None
    channels: list[Literal["feishu", "wecom", "wechat", "dingtalk", "all"]] | None = Field(None, max_length=4)
    priority: Priority = "normal"
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


# ------------------------------------------------------------------------------------------------ responses

class ChannelQueued(View):
    type: Provider
    status: DeliveryStatus
    error: str | None = Field(None, description="Why the channel could not be queued (then `failed`)")


class NotifyAccepted(View):
    """Queued: the outcome is read from GET /notify/history?notificationId=…"""

    notificationId: str
    status: DeliveryStatus
    sent: bool = Field(description="Always false: delivery happens after the answer")
    queued: int = Field(description="How many channels were queued")
    channels: list[ChannelQueued]
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


class History(View):
    """Newest first; `pagination: {page, limit, total, totalPages}` beside `data`."""

    notifications: list[NotificationView]
