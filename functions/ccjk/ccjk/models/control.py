"""Cloud control: what the daemon (src/daemon/cloud-client.ts, mobile-control.ts) sends and reads."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ccjk.models.common import Body, View

DeviceStatus = Literal["online", "busy", "offline"]


class ControlRegister(Body):
    name: str | None = Field(None, min_length=1, max_length=100)
    platform: str | None = Field(None, max_length=64)
    hostname: str | None = Field(None, max_length=255)
    version: str | None = Field(None, max_length=64)


class Heartbeat(Body):
    status: DeviceStatus = "online"
    currentTasks: list[str] = Field(default_factory=list, max_length=100)
    timestamp: str | None = Field(None, max_length=64)


class CommandResult(Body):
    exitCode: int | None = None
    stdout: str = Field("", max_length=65_536)
    stderr: str = Field("", max_length=65_536)
    success: bool = False
    duration: float | None = Field(None, ge=0)


class CardAction(Body):
    id: str = Field(min_length=1, max_length=64)
    label: str = Field(min_length=1, max_length=40)
    command: str = Field(min_length=1, max_length=4000)
    confirm: bool = False
    style: Literal["primary", "danger", "default"] = "default"
    cwd: str | None = Field(None, max_length=1024)
    timeout: int | None = Field(None, ge=1, le=86_400_000)


class CardTemplate(Body):
    id: str | None = Field(None, max_length=64)
    name: str | None = Field(None, max_length=100)
    description: str | None = Field(None, max_length=500)
    category: str | None = Field(None, max_length=64)
    actions: list[CardAction] = Field(min_length=1, max_length=5)
    message: str | None = Field(None, max_length=2000)


class SendCard(Body):
    deviceId: str = Field(min_length=1, max_length=64)
    channel: str = Field(min_length=1, max_length=32, description="feishu | dingtalk | wechat (telegram: 400)")
    templateId: str | None = Field(None, max_length=64)
    message: str | None = Field(None, max_length=2000)
    template: CardTemplate


# ------------------------------------------------------------------------------------------------ responses

class ControlDevice(View):
    id: str
    name: str
    platform: str | None
    status: DeviceStatus


class Registered(View):
    device: ControlDevice


class CloudCommand(View):
    id: str = Field(description="`cmd_…`")
    deviceId: str
    commandType: Literal["shell", "script", "file", "system"]
    command: str
    cwd: str | None = None
    timeout: int | None = Field(None, description="milliseconds")
    requireConfirm: bool = Field(description="Always false: the card click was the confirmation")
    priority: str
    cardId: str | None = None
    actionId: str | None = None


class HeartbeatAnswer(View):
    pendingTasks: list[CloudCommand] = Field(description="Queued commands, each handed out once")
    deviceStatus: DeviceStatus


class PendingCommands(View):
    commands: list[CloudCommand]


class ResultRecorded(View):
    commandId: str
    status: Literal["completed", "failed", "sent", "queued"]


class CardSent(View):
    cardId: str
    sentAt: str
    channel: str
    notificationId: str = Field(description="The notification that carries the card (its delivery in the history)")
