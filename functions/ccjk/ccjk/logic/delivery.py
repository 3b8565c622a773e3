"""The notify worker's logic: send one queued (notification, channel) message to its robot, record the outcome.

Per message:

1. Load the notification and the device's channel; a delivery already `sent` is skipped (SQS redeliveries,
   duplicates), a channel removed since is recorded as failed.
2. The robot's rate limit (suite.ratelimit, per webhook URL): when it is spent, the message is deferred until the
   window ends (its visibility timeout is extended) instead of sleeping in the Lambda.
3. A lease on the delivery (conditional write) so two copies of a message never send at once.
4. Send (exact payload and signature, URL checked again), then record `sent`, or `failed` for a permanent error
   (bad signature, robot gone: not retried, the message is dropped), or the error for a retryable one (429, 5xx,
   timeouts): the message goes back to the queue with exponential backoff. Which is which is suite.outbound's
   ProviderError (`retryable`, `retry_after`), raised by the provider modules.
5. On the queue's last receive (ApproximateReceiveCount = maxReceiveCount) a retryable failure is recorded as a
   final `failed` before the message is failed once more, so SQS moves it to the dead-letter queue and the
   history already says failed.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from aws_lambda_powertools.metrics import MetricUnit

from ccjk import clock, config
from ccjk.logic import channels
from ccjk.models.entities import Notification
from ccjk.providers import ROBOTS
from ccjk.providers.robots import Button, Message
from ccjk.store import devices as device_data
from ccjk.store import limits, queue
from ccjk.store import notifications as notification_data
from ccjk.store.notifications import ClaimRefused
from suite import observability
from suite.errors import ApiError
from suite.outbound import ProviderError

LEASE_SECONDS = 60  # longer than one send (connect + read timeouts, in-call retries)
BACKOFF_BASE_SECONDS = 10
BACKOFF_CAP_SECONDS = 900
_jitter = random.Random()  # noqa: S311  (spreads retries; not a security control)


class DeliveryDeferred(Exception):
    """The message must be tried again later (its visibility was set); the batch reports it as failed."""


@dataclass(frozen=True)
class QueuedMessage:
    notification_id: str
    device_id: str
    provider: str

    @classmethod
    def parse(cls, body: str) -> QueuedMessage:
        data = json.loads(body)
        return cls(str(data["notificationId"]), str(data["deviceId"]), str(data["channel"]))


def backoff_seconds(receive_count: int) -> int:
    """Between half and all of an exponential ceiling (10 s, 20 s, 40 s ... up to 15 minutes): spread, yet growing."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, receive_count - 1))
    return int(_jitter.uniform(ceiling / 2, ceiling))


def robot_key(provider: str, webhook: str) -> str:
    return f"robot#{provider}#{hashlib.sha256(webhook.encode()).hexdigest()[:32]}"


def handle(body: str, *, receive_count: int, receipt_handle: str, deadline: float | None) -> str:
    """Process one message. Returns what happened (for logs and tests); raises DeliveryDeferred to retry later."""
    message = QueuedMessage.parse(body)
    try:
        return _deliver(message, receive_count=receive_count, receipt_handle=receipt_handle, deadline=deadline)
    except DeliveryDeferred:
        raise
    except Exception:
        # An unexpected error (a KMS or DynamoDB outage) retries like any other; on the last receive the history
        # must still say failed before the message moves to the dead-letter queue.
        if receive_count >= config.get().notify_max_receive_count:
            _record(message, "failed", f"gave up after {receive_count} attempts: internal error")
        raise


def _deliver(message: QueuedMessage, *, receive_count: int, receipt_handle: str, deadline: float | None) -> str:
    notification = notification_data.get(message.device_id, message.notification_id, int(clock.now()))
    delivery = notification.deliveries.get(message.provider) if notification else None
    if notification is None or delivery is None:
        observability.logger().warning("notification gone; message dropped",
                                       extra={"notification": message.notification_id})
        return "dropped"
    if delivery.status == "sent":
        return "already-sent"
    attempt = Attempt(message, receipt_handle, receive_count,
                      final=receive_count >= config.get().notify_max_receive_count, last_error=delivery.error)

    device = device_data.get(message.device_id)
    channel = device.channels.get(message.provider) if device else None
    if channel is None or not channel.enabled:
        return attempt.failed("channel is no longer configured")
    webhook, secret = channels.open_webhook(message.device_id, channel)
    attempt.respect_rate_limits(webhook)
    if not attempt.claim():
        return "already-sent"
    try:
        channels.check_webhook(message.provider, webhook)  # again at send time: the policy may have changed
    except ApiError as refused:
        return attempt.failed(refused.message)
    robot = ROBOTS[message.provider]
    request = robot.build(webhook, secret, robot_message(notification), clock.now())
    return attempt.send(lambda: robot.send(request, deadline=deadline))


def robot_message(notification: Notification) -> Message:
    """What a robot is sent for a notification: its text, and its reply options (buttons where the platform has
    them) with its reply code while it waits for a reply."""
    buttons = tuple(Button(action_id=str(a.get("id")), label=str(a.get("label")), value=str(a.get("value") or ""),
                           primary=bool(a.get("primary")) or a.get("style") == "primary",
                           danger=a.get("style") == "danger", confirm=bool(a.get("confirm")))
                    for a in notification.actions)
    return Message(notification.title, notification.body, notification.priority, buttons=buttons,
                   reply_code=notification.reply_code if notification.wait_reply else None,
                   notification_id=notification.notification_id, card_id=notification.card_id)


@dataclass
class Attempt:
    """One receive of one message: the steps of `handle` that decide, record and defer."""

    message: QueuedMessage
    receipt_handle: str
    receive_count: int
    final: bool  # the queue's last receive: a retryable failure becomes final here
    last_error: str | None = None  # what the previous attempt recorded

    def respect_rate_limits(self, webhook: str) -> None:
        """Over one of the robot's limits, come back when its window ends (never sleep in the Lambda)."""
        for rule in ROBOTS[self.message.provider].RATE_LIMITS:
            decision = limits.hit(f"{robot_key(self.message.provider, webhook)}#{rule.window_seconds}",
                                  limit=rule.limit, window_seconds=rule.window_seconds)
            if not decision.allowed:
                self.retry("rate limited by the robot's limit", None,
                           after=decision.retry_after + _jitter.uniform(0, rule.window_seconds), record=False)

    def claim(self) -> bool:
        """Take the delivery's lease; False when another copy of the message delivered it already."""
        try:
            notification_data.claim(self.message.device_id, self.message.notification_id, self.message.provider,
                                    now=int(clock.now()), now_iso=clock.iso(), lease_seconds=LEASE_SECONDS)
        except ClaimRefused as refused:
            if refused.already_sent:
                return False
            queue.defer(self.receipt_handle, LEASE_SECONDS)
            raise DeliveryDeferred("another worker is sending this delivery") from None
        return True

    def send(self, post: Callable[[], int]) -> str:
        """Send and record the outcome: `sent`, or a failure retried later when the provider's error is worth
        retrying, else final."""
        try:
            http_status = post()
        except ProviderError as error:
            text = describe(self.message.provider, error)
            if error.retryable:
                return self.retry(text, error.status, after=error.retry_after)
            return self.failed(text, error.status)
        _record(self.message, "sent", None, http_status, delivered_at=clock.iso())
        _count("NotificationsDelivered")
        return "sent"

    def failed(self, error: str | None, http_status: int | None = None) -> str:
        """A permanent failure: recorded, and the message is done (not retried, not dead-lettered)."""
        _record(self.message, "failed", error, http_status)
        _count("NotificationsFailed")
        observability.logger().warning("delivery failed permanently",
                                       extra={"provider": self.message.provider, "error": error})
        return "failed"

    def retry(self, error: str | None, http_status: int | None, *, after: float | None, record: bool = True) -> str:
        """Back to the queue for a later attempt; on the last receive, record the final failure first (failing
        the message once more then moves it to the dead-letter queue)."""
        if self.final:
            # A last receive spent on a rate-limit deferral reports the provider's last error, which is the news.
            reason = error if record or not self.last_error else self.last_error
            _record(self.message, "failed", f"gave up after {self.receive_count} attempts: {reason}", http_status)
            _count("NotificationsExhausted")
            raise DeliveryDeferred(f"exhausted: {error}")
        if record:
            _record(self.message, "pending", error, http_status)  # still pending; history shows the last error
        delay = int(after if after is not None else backoff_seconds(self.receive_count)) + 1
        queue.defer(self.receipt_handle, delay)
        raise DeliveryDeferred(f"retry in {delay}s: {error}")


def describe(provider: str, error: ProviderError) -> str:
    """What the history says about a failed send: the provider's own error (`feishu error 19021: ...`), the HTTP
    status (`HTTP 429`), or the transport failure, never a URL or a secret."""
    if error.provider_code is not None:
        return error.message
    if error.status is not None:
        return f"HTTP {error.status}"
    if error.reason in ("timeout", "unreachable"):
        kind = "timeout" if error.reason == "timeout" else "connection"
        return f"{kind}: could not reach {provider}"
    if error.reason == "unsafe_url":
        return "webhook URL refused: not an allowed robot URL"
    return f"{error.message.removeprefix(provider + ': ')}: {provider} answer not usable"


def _count(metric: str) -> None:
    observability.metrics().add_metric(name=metric, unit=MetricUnit.Count, value=1)


def _record(message: QueuedMessage, status: str, error: str | None, http_status: int | None = None, *,
            delivered_at: str | None = None) -> None:
    notification_data.record(message.device_id, message.notification_id, message.provider, status=status,
                             error=error, http_status=http_status, delivered_at=delivered_at)


def deadline_after(milliseconds: float) -> float:
    """A time.monotonic() deadline for outbound calls, `milliseconds` from now."""
    return time.monotonic() + max(0.0, milliseconds) / 1000
