"""Replies to notifications (docs/ccjk-client.md, Flow 6): stored, matched to their notification, handed to the
device that asked.

Where they come from: a button click or a text reply on Feishu, DingTalk or WeCom (logic/reply_callbacks.py,
after the platform's signature is checked), or `POST /reply/manual`. Where they go: `GET /reply/poll` (long poll),
`GET /reply/{notificationId}` (the newest reply of one notification), `GET /reply/history`.

`/reply/poll`'s two readers:
- with `since` (the typed client): every reply created after it (exclusive), oldest first, up to 50; nothing is
  marked, so the same `since` reads the same replies again;
- without (the two notification clients, which read `data.reply` only): the oldest reply not handed out yet, alone,
  and it is handed out (a conditional delete: two polls never both get it).
It answers as soon as something matches, else re-reads ~1 s apart (growing to 2 s) until the wait ends.
`timeout` is seconds when ≤ 60 (the typed client) and milliseconds above (CCJKCloudClient.waitForReply sends
`timeout=60000`); absent means 30; the wait is then clamped to REPLY_POLL_MAX_WAIT_SECONDS (25: an HTTP API
integration times out at 30 s) and to what is left of the function's own time.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from ccjk import clock, config, ids
from ccjk.models.entities import Device, Notification, Reply
from ccjk.store import notifications as notification_data
from ccjk.store import replies as reply_data
from suite.errors import BadRequest, NotFound

DEFAULT_TIMEOUT_SECONDS = 30
SECONDS_UP_TO = 60  # a timeout above this is milliseconds
SINCE_LIMIT = 50
HISTORY_DEFAULT, HISTORY_MAX = 50, 100
FIRST_INTERVAL, LAST_INTERVAL, GROWTH = 1.0, 2.0, 1.25
SAFETY_MARGIN_SECONDS = 2.0
CHANNELS = ("feishu", "dingtalk", "wechat", "manual")

sleep: Callable[[float], None] = time.sleep  # tests may replace it
monotonic: Callable[[], float] = time.monotonic


# ------------------------------------------------------------------------------------------------ shapes

def view(reply: Reply) -> dict[str, Any]:
    """One shape for every reader: the typed client's fields and the notification clients' (`timestamp`,
    `taskId`, `actionId`)."""
    return {"id": reply.reply_id, "notificationId": reply.notification_id, "channel": reply.channel,
            "content": reply.content, "actionId": reply.action_id, "taskId": reply.task_id,
            "metadata": reply.metadata, "createdAt": reply.created_at, "timestamp": reply.created_at}


# ------------------------------------------------------------------------------------------------ storing

def record(notification: Notification, *, channel: str, content: str, action_id: str | None = None,
           metadata: dict[str, Any] | None = None, event_key: str | None = None) -> Reply:
    """Store a reply to a notification (its device's). Raises reply_data.Duplicate for a platform event stored
    before, NotFound when the notification is gone."""
    reply = Reply(reply_id=ids.reply_id(), device_id=notification.device_id,
                  notification_id=notification.notification_id, channel=channel, content=content,
                  created_at=clock.iso(), expires_at=notification.expires_at, action_id=action_id,
                  task_id=notification.task_id, metadata=metadata or {})
    try:
        reply_data.put(reply, view(reply), event_key=event_key, now=int(clock.now()))
    except reply_data.NotificationGone:
        raise NotFound("Notification not found", code="NOTIFICATION_NOT_FOUND") from None
    return reply


def manual(device: Device, notification_id: str, content: str, channel: str) -> dict[str, Any]:
    """`POST /reply/manual`: a reply typed somewhere else, for one of the device's own notifications."""
    notification = _own(device, notification_id)
    if notification is None:
        raise NotFound("Notification not found", code="NOTIFICATION_NOT_FOUND")
    return view(record(notification, channel=channel, content=content,
                       metadata={"action": "manual", "source": "api"}))


def _own(device: Device, notification_id: str) -> Notification | None:
    if not 1 <= len(notification_id) <= 64:
        return None
    return notification_data.get(device.device_id, notification_id, int(clock.now()))


# ------------------------------------------------------------------------------------------------ reading

def status(device: Device, notification_id: str) -> dict[str, Any]:
    """`GET /reply/{notificationId}`: replied (with the newest reply), pending, or not_found — also for another
    device's notification (no existence leak)."""
    notification = _own(device, notification_id)
    if notification is None:
        return {"status": "not_found", "reply": None}
    if notification.last_reply:
        return {"status": "replied", "reply": notification.last_reply}
    return {"status": "pending", "reply": None}


def history(device: Device, limit_text: str | None) -> list[dict[str, Any]]:
    limit = _integer(limit_text, "limit", HISTORY_DEFAULT)
    if limit < 1:
        raise BadRequest("limit must be at least 1", code="VALIDATION_ERROR", details={"field": "limit"})
    return [view(r) for r in reply_data.newest(device.device_id, min(limit, HISTORY_MAX), int(clock.now()))]


def wait_seconds(timeout_text: str | None, remaining_seconds: float) -> float:
    """How long a poll may wait: the client's timeout (seconds up to 60, else milliseconds), clamped."""
    if timeout_text is None or not timeout_text.strip():
        requested = float(DEFAULT_TIMEOUT_SECONDS)
    else:
        try:
            requested = float(timeout_text)
        except ValueError:
            raise BadRequest("timeout must be a number (seconds, or milliseconds above 60)", code="VALIDATION_ERROR",
                             details={"field": "timeout"}) from None
        if not math.isfinite(requested) or requested < 0:
            raise BadRequest("timeout must be a number >= 0", code="VALIDATION_ERROR", details={"field": "timeout"})
        if requested > SECONDS_UP_TO:
            requested /= 1000
    ceiling = min(config.get().reply_poll_max_wait_seconds, remaining_seconds - SAFETY_MARGIN_SECONDS)
    return max(0.0, min(requested, ceiling))


def _since(text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    try:
        return clock.iso(clock.parse_iso(text))
    except (ValueError, OverflowError, OSError):
        raise BadRequest("since must be an ISO-8601 time", code="VALIDATION_ERROR",
                         details={"field": "since"}) from None


def poll(device: Device, *, timeout_text: str | None, since_text: str | None,
         remaining_seconds: float) -> dict[str, Any]:
    """Wait for replies (see the module docstring); `{"replies": [...], "reply": first or None}`."""
    since = _since(since_text)
    wait = wait_seconds(timeout_text, remaining_seconds)
    deadline = monotonic() + wait
    interval = FIRST_INTERVAL
    while True:
        now = int(clock.now())
        if since is not None:
            found = reply_data.after(device.device_id, since, SINCE_LIMIT, now)
        else:
            oldest = reply_data.hand_out_oldest(device.device_id, now)
            found = [oldest] if oldest else []
        left = deadline - monotonic()
        if found or left <= 0:
            break
        sleep(min(interval, left))
        interval = min(LAST_INTERVAL, interval * GROWTH)
    replies = [view(r) for r in found]
    return {"replies": replies, "reply": replies[0] if replies else None}


def _integer(text: str | None, name: str, default: int) -> int:
    if text is None or not text.strip():
        return default
    try:
        return int(text)
    except ValueError:
        raise BadRequest(f"{name} must be an integer", code="VALIDATION_ERROR", details={"field": name}) from None
