"""Notification events: the catalogue, the built-in templates, rendering, and `publish` (what producers call).

An event is one JSON message on the NotifyEventsQueue (docs/certctrl.md §8, "Events"):

    {"kind": "event", "event_id": "cert.expiring:34:2026-12-01", "event_key": "cert.expiring", "user_id": 12,
     "occurred_at": 1796000000000, "subject": {"type": "certificate", "id": 34},
     "data": {"domain_name": "example.com", "not_after": 1797000000, "days_left": 13, "serial_number": "..."}}

`event_id` makes it idempotent: the same id reaches a channel once (a receipt per event and channel), so a
producer that may emit twice (a scheduler run repeated) gives the same id both times. `data` holds what the
templates print (`{{domain_name}}`); unknown fields are kept, missing ones print empty.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from certctrl import clock
from certctrl.store import notify_queue
from suite.errors import BadRequest

ALL = "*"  # a subscription to every event
CHANNEL_TYPES = ("email", "wechat")
PLACEHOLDER = re.compile(r"\{\{\s*([a-z_][a-z0-9_]{0,40})\s*\}\}")


@dataclass(frozen=True)
class EventType:
    key: str
    description: str
    fields: tuple[str, ...]  # what `data` carries (and the templates print)
    subject: str  # the built-in e-mail subject (and WeChat title)
    body: str  # the built-in text


EVENTS: tuple[EventType, ...] = (
    EventType("cert.issued", "A certificate was issued", ("domain_name", "serial_number", "not_after_iso"),
              "Certificate issued: {{domain_name}}",
              "The certificate for {{domain_name}} was issued (serial {{serial_number}}), valid until "
              "{{not_after_iso}}. Devices it is assigned to receive it on their next update."),
    EventType("cert.renewed", "A certificate was renewed", ("domain_name", "serial_number", "not_after_iso"),
              "Certificate renewed: {{domain_name}}",
              "The certificate for {{domain_name}} was renewed (serial {{serial_number}}), valid until "
              "{{not_after_iso}}. Devices it is assigned to receive it on their next update."),
    EventType("cert.failed", "Issuing or renewing a certificate failed", ("domain_name", "error"),
              "Certificate issuance failed: {{domain_name}}",
              "Issuing the certificate for {{domain_name}} failed: {{error}}. Check the domain's DNS and ACME "
              "account, then issue again."),
    EventType("cert.expiring", "A certificate expires soon", ("domain_name", "not_after_iso", "days_left"),
              "Certificate expires in {{days_left}} days: {{domain_name}}",
              "The certificate for {{domain_name}} expires on {{not_after_iso}} ({{days_left}} days left) and has "
              "not been renewed yet."),
    EventType("cert.expired", "A certificate expired", ("domain_name", "not_after_iso"),
              "Certificate expired: {{domain_name}}",
              "The certificate for {{domain_name}} expired on {{not_after_iso}}."),
    EventType("device.offline", "A device's agent went offline", ("device_name", "device_public_id",
                                                                   "offline_since_iso"),
              "Device offline: {{device_name}}",
              "The device {{device_name}} ({{device_public_id}}) has been offline since {{offline_since_iso}}."),
)
BY_KEY: dict[str, EventType] = {event.key: event for event in EVENTS}


def catalogue() -> list[dict[str, Any]]:
    return [{"event_key": e.key, "description": e.description, "fields": list(e.fields)} for e in EVENTS]


def check_event_key(event_key: str, *, allow_all: bool = True) -> str:
    if event_key in BY_KEY or (allow_all and event_key == ALL):
        return event_key
    raise BadRequest(f"event_key: one of {', '.join([*BY_KEY, ALL] if allow_all else BY_KEY)}")


def builtin_templates() -> list[dict[str, Any]]:
    """Every event × channel type, in English; stored templates with the same id replace them."""
    return [{"id": f"{e.key}.{kind}", "event_key": e.key, "channel_type": kind, "locale": "en",
             "subject": e.subject, "body": e.body} for e in EVENTS for kind in CHANNEL_TYPES]


def render(text: str, data: Mapping[str, Any]) -> str:
    """`{{name}}` → data[name] as text (absent: empty). Nothing else is interpreted."""
    def value(match: re.Match[str]) -> str:
        found = data.get(match.group(1))
        return "" if found is None else str(found)[:500]

    return PLACEHOLDER.sub(value, text)


def template_data(event: Mapping[str, Any]) -> dict[str, Any]:
    """The event's data plus derived fields: `*_iso` for epoch-second `not_after`/`offline_since`."""
    data = dict(event.get("data") or {})
    for name in ("not_after", "offline_since", "not_before"):
        value = data.get(name)
        if isinstance(value, int | float) and f"{name}_iso" not in data:
            data[f"{name}_iso"] = clock.iso_utc(int(value))
    data.setdefault("event_key", event.get("event_key"))
    return data


def _event_id(event_key: str, subject: Mapping[str, Any] | None) -> str:
    return f"{event_key}:{(subject or {}).get('type', '-')}:{(subject or {}).get('id', '-')}:{uuid.uuid4().hex}"


def make(event_key: str, user_id: int, data: Mapping[str, Any], *, subject: Mapping[str, Any] | None = None,
         event_id: str | None = None, occurred_at_ms: int | None = None) -> dict[str, Any]:
    check_event_key(event_key, allow_all=False)
    return {"kind": "event", "event_id": (event_id or _event_id(event_key, subject))[:200], "event_key": event_key,
            "user_id": int(user_id), "occurred_at": occurred_at_ms or clock.epoch_ms(),
            "subject": dict(subject or {}), "data": dict(data)}


def publish(event_key: str, user_id: int, data: Mapping[str, Any], *, subject: Mapping[str, Any] | None = None,
            event_id: str | None = None) -> dict[str, Any]:
    """Queue one event for the user's subscribed channels (what issue 17's code calls; the function needs
    NOTIFY_EVENTS_QUEUE_URL and sqs:SendMessage on NotifyEventsQueue). Returns the event as queued."""
    event = make(event_key, user_id, data, subject=subject, event_id=event_id)
    notify_queue.send_event(event)
    return event


def schedule_offline_check(*, device_id: int, user_id: int, disconnected_at_ms: int, delay_seconds: int) -> None:
    """After a device's last connection closed: look again in `delay_seconds` (≤ 900, SQS's longest delay)."""
    notify_queue.send_event({"kind": "device.offline.check", "device_id": int(device_id), "user_id": int(user_id),
                             "disconnected_at": int(disconnected_at_ms)}, delay_seconds=delay_seconds)
