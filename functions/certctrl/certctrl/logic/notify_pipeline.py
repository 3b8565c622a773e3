"""The two notification workers (docs/certctrl.md §8, "Events"):

- **fan-out** (NotifyEventsQueue): an event → the user's subscriptions to its key (and to `*`) → the verified,
  enabled channels they name (a channel id, or every channel of a type) → one delivery message per channel, with
  the subject and text rendered from the channel type's template in the channel's locale. A
  `device.offline.check` message (queued with a delay when a device's last WebSocket closed) becomes a
  `device.offline` event when the device has no connection again and has not been seen since.
- **send** (NotifyDeliveriesQueue): one delivery → the channel (still verified and enabled) → e-mail through
  suite.mail, or a WeChat template message; a receipt per (event, channel) keeps a redelivered message from
  sending twice. A failure worth retrying raises (SQS retries with its visibility timeout, then the DLQ); a
  refusal (bad address, WeChat errcode) is recorded and not retried.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from certctrl import clock
from certctrl.logic import notify_events
from certctrl.models.notification_entities import DeliveryReceipt, NotificationChannel
from certctrl.providers import weixin
from certctrl.store import connections, devices, mail, notify_queue, sealed
from certctrl.store import notifications as store
from suite import observability
from suite.outbound import ProviderError

RECEIPT_SECONDS = 7 * 24 * 3600
TEMPLATE_CACHE_SECONDS = 60
_templates: dict[str, Any] = {"at": 0.0, "items": []}
log = observability.logger()


class Retry(Exception):
    """A delivery failed in a way worth retrying: the queue brings it back."""


# ------------------------------------------------------------------------------------------------ templates

def _stored_templates() -> list[Any]:
    if time.monotonic() - _templates["at"] > TEMPLATE_CACHE_SECONDS:
        _templates["items"], _templates["at"] = store.templates(), time.monotonic()
    return _templates["items"]


def template_for(event_key: str, channel_type: str, locale: str) -> tuple[str, str]:
    """(subject, body): a stored template of this event, channel type and locale, else in English, else built-in."""
    stored = [t for t in _stored_templates() if t.event_key == event_key and t.channel_type == channel_type]
    for wanted in (locale, "en"):
        found = next((t for t in stored if t.locale == wanted and t.sk.startswith(event_key)), None) or \
            next((t for t in stored if t.locale == wanted), None)
        if found is not None:
            return found.subject, found.body
    builtin = notify_events.BY_KEY[event_key]
    return builtin.subject, builtin.body


# ------------------------------------------------------------------------------------------------ fan-out

def _targets(user_id: int, event_key: str) -> list[NotificationChannel]:
    subscriptions = [s for key in (event_key, notify_events.ALL) for s in store.subscriptions(user_id, key)
                     if s.enabled]
    if not subscriptions:
        return []
    channels = {c.id: c for c in store.channels(user_id) if c.verified and c.enabled}
    chosen: dict[int, NotificationChannel] = {}
    for subscription in subscriptions:
        if subscription.channel.isdigit():
            found = channels.get(int(subscription.channel))
            if found is not None:
                chosen[int(found.id)] = found
        else:
            chosen.update({int(c.id): c for c in channels.values() if c.type == subscription.channel})
    return [chosen[key] for key in sorted(chosen)]


def fanout_event(event: Mapping[str, Any]) -> int:
    """Queue one delivery per target channel; returns how many."""
    event_key = str(event.get("event_key"))
    if event_key not in notify_events.BY_KEY or not isinstance(event.get("user_id"), int):
        log.warning("notification event dropped: unknown event_key or user", extra={"event_key": event_key[:64]})
        return 0
    data = notify_events.template_data(event)
    sent = 0
    for channel in _targets(int(event["user_id"]), event_key):
        subject, body = template_for(event_key, channel.type, channel.locale or "en")
        notify_queue.send_delivery({"event_id": str(event["event_id"]), "event_key": event_key,
                                    "user_id": int(event["user_id"]), "channel_id": int(channel.id),
                                    "subject": notify_events.render(subject, data)[:200],
                                    "text": notify_events.render(body, data)[:4000]})
        sent += 1
    return sent


def offline_check(message: Mapping[str, Any]) -> int:
    device_id, user_id = int(message["device_id"]), int(message["user_id"])
    disconnected_at = int(message["disconnected_at"])
    if connections.of_device(device_id):
        return 0  # it came back
    device = devices.get(user_id, device_id)
    if device is None or int(device.last_seen_at_ms or 0) > disconnected_at:
        return 0  # removed, or polling over HTTP since
    event = notify_events.make(
        "device.offline", user_id,
        {"device_name": device.name or device.device_public_id, "device_public_id": device.device_public_id,
         "device_id": device_id, "offline_since": disconnected_at // 1000},
        subject={"type": "device", "id": device_id}, event_id=f"device.offline:{device_id}:{disconnected_at}")
    return fanout_event(event)


def handle_event_message(message: Mapping[str, Any]) -> int:
    kind = message.get("kind", "event")
    if kind == "device.offline.check":
        return offline_check(message)
    if kind == "event" and message.get("event_id"):
        return fanout_event(message)
    log.warning("notification queue message of an unknown kind dropped", extra={"kind": str(kind)[:32]})
    return 0


# ------------------------------------------------------------------------------------------------ send

def _send(channel: NotificationChannel, subject: str, text: str) -> str:
    if channel.type == "email":
        return mail.send(mail.EmailMessage(to=channel.address or "", subject=subject, text=text,
                                           tags={"kind": "notification"}))
    secret = sealed.open_sealed("wechat_app_secret", channel.wechat_app_secret or "", user=channel.user_id,
                                channel=channel.id)
    return weixin.send_template(app_id=channel.wechat_app_id or "", app_secret=secret,
                                open_id=channel.wechat_open_id or "", template_id=channel.wechat_template_id or "",
                                title=subject, content=text)


def _receipt(delivery: Mapping[str, Any], outcome: str, message_id: str = "") -> None:
    now = clock.epoch()
    store.save_receipt(DeliveryReceipt(f"DELIVERY#{delivery['event_id']}#{delivery['channel_id']}", "DELIVERY",
                                       sent_at=now, outcome=outcome, message_id=message_id[:128],
                                       expires_at=now + RECEIPT_SECONDS))


def deliver(delivery: Mapping[str, Any]) -> str:
    """sent | duplicate | skipped (channel gone, unverified or disabled) | rejected; raises Retry."""
    channel_id, user_id = int(delivery["channel_id"]), int(delivery["user_id"])
    if store.receipt(str(delivery["event_id"]), channel_id) is not None:
        return "duplicate"
    channel = store.channel(user_id, channel_id)
    if channel is None or not channel.verified or not channel.enabled:
        return "skipped"
    try:
        message_id = _send(channel, str(delivery["subject"]), str(delivery["text"]))
    except ProviderError as error:
        if error.retryable:
            raise Retry(error.message) from None
        log.warning("notification refused by the provider", extra={"channel_id": channel_id,
                                                                    "reason": error.reason})
        _receipt(delivery, "rejected")
        return "rejected"
    _receipt(delivery, "sent", message_id or "")
    return "sent"
