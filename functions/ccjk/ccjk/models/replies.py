"""Replies: what the reply routes read and answer (docs/ccjk-client.md, Flow 6). The typed client reads the
payload at the top level, the notification clients under `data`: every answer carries both."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ccjk.models.common import Body, View

ReplyChannel = Literal["feishu", "dingtalk", "wechat", "manual"]


class ManualReply(Body):
    notificationId: str = Field(min_length=1, max_length=64)
    content: str = Field(min_length=1, max_length=4000)
    channel: ReplyChannel = "manual"


class ReplyView(View):
    id: str = Field(description="`reply_…`")
    notificationId: str
    channel: ReplyChannel
    content: str = Field(description="The button's value, or the text after the reply code")
    actionId: str | None = Field(None, description="The button clicked, if any")
    taskId: str | None = Field(None, description="The notification's taskId")
    metadata: dict[str, Any] = Field(description="Who answered on the platform (openId, senderStaffId, userId) and "
                                                 "how (`action`: button_click, text, manual)")
    createdAt: str
    timestamp: str = Field(description="= createdAt (the notification clients' name)")


class Polled(View):
    """Also at the top level: `replies` (the typed client)."""

    replies: list[ReplyView] = Field(description="With `since`: every reply after it (up to 50); without: the "
                                                 "oldest reply not handed out yet, alone")
    reply: ReplyView | None = Field(description="The first of `replies` (the notification clients read this)")


class ReplyStatus(View):
    """Also at the top level: `status` and `reply`."""

    status: Literal["replied", "pending", "not_found"] = Field(
        description="not_found also for another device's notification")
    reply: ReplyView | None = Field(description="The newest reply, when replied")


class ReplyHistory(View):
    """Also at the top level: `replies`."""

    replies: list[ReplyView] = Field(description="Newest first")


class Replied(View):
    """Also at the top level: `reply`."""

    reply: ReplyView
