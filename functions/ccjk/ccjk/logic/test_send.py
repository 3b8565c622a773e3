"""`POST /notify/test`: a test message to every enabled channel of the device, sent now (not queued), each
channel's outcome answered with the provider's own error text, and recorded in the history as a `system`
notification (docs/ccjk-client.md, Flow 5). Channels are sent in parallel, each within TEST_BUDGET_SECONDS, without
retries; the robots' rate limits still count (a robot over its limit is reported, not waited for)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ccjk import clock, config, ids
from ccjk.logic import channels, delivery, notifications
from ccjk.models.entities import Delivery, Device, Notification
from ccjk.providers import ROBOTS
from ccjk.providers.robots import Message
from ccjk.store import limits
from ccjk.store import notifications as notification_data
from suite.errors import ApiError, BadRequest
from suite.outbound import ProviderError

TEST_BUDGET_SECONDS = 5.0
TITLE = "CCJK 测试通知 Test notification"
BODY = "如果你看到这条消息，说明通知渠道配置正确。If you can read this, the channel works."


def send(device: Device) -> dict[str, Any]:
    enabled = {p: c for p, c in sorted(device.channels.items()) if c.enabled}
    if not enabled:
        raise BadRequest("No enabled notification channels", code="CHANNEL_NOT_CONFIGURED")
    now = clock.now()
    notification = Notification(
        notification_id=ids.notification_id(), device_id=device.device_id, type="system", title=TITLE, body=BODY,
        priority="normal", created_at=clock.iso(now),
        expires_at=int(now) + config.get().notification_retention_days * 86_400,
        deliveries={p: Delivery() for p in enabled})
    notifications.store_new(notification, waits=False)
    deadline = delivery.deadline_after(TEST_BUDGET_SECONDS * 1000)
    with ThreadPoolExecutor(max_workers=len(enabled)) as pool:
        outcomes = dict(zip(enabled, pool.map(lambda p: _send_one(device, notification, p, deadline), enabled),
                            strict=True))
    answer_channels = [{"type": enabled[p].label, "success": error is None, **({"error": error} if error else {})}
                       for p, error in outcomes.items()]
    sent_at = clock.iso()
    return {
        "notificationId": notification.notification_id,
        "sent": any(error is None for error in outcomes.values()),
        "channels": answer_channels,
        "results": [{"channel": c["type"], "success": c["success"], "sentAt": sent_at if c["success"] else None,
                     **({"error": c["error"]} if "error" in c else {})} for c in answer_channels],
        "createdAt": notification.created_at,
    }


def _send_one(device: Device, notification: Notification, provider: str, deadline: float) -> str | None:
    """Send to one channel now; the error text, or None when it was delivered. Recorded on the notification."""
    try:
        error, http_status = _attempt(device, notification, provider, deadline)
    except Exception:  # a KMS or DynamoDB failure on one channel is that channel's failure
        error, http_status = "internal error", None
    notification_data.record(device.device_id, notification.notification_id, provider,
                             status="sent" if error is None else "failed", error=error, http_status=http_status,
                             delivered_at=clock.iso() if error is None else None)
    return error


def _attempt(device: Device, notification: Notification, provider: str,
             deadline: float) -> tuple[str | None, int | None]:
    notification_data.claim(device.device_id, notification.notification_id, provider, now=int(clock.now()),
                            now_iso=clock.iso(), lease_seconds=delivery.LEASE_SECONDS)
    webhook, secret = channels.open_webhook(device.device_id, device.channels[provider])
    robot = ROBOTS[provider]
    for rule in robot.RATE_LIMITS:
        decision = limits.hit(f"{delivery.robot_key(provider, webhook)}#{rule.window_seconds}", limit=rule.limit,
                              window_seconds=rule.window_seconds)
        if not decision.allowed:
            return f"rate limited by the robot's limit: try again in {decision.retry_after} s", None
    try:
        channels.check_webhook(provider, webhook)
    except ApiError as refused:
        return refused.message, None
    request = robot.build(webhook, secret, Message(notification.title, notification.body), clock.now())
    try:
        return None, robot.send(request, deadline=deadline)
    except ProviderError as error:
        return delivery.describe(provider, error), error.status
