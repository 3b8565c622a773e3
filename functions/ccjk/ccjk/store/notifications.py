"""Notifications, stored in their device's partition (`NOTIF#<time-ordered id>`), with one delivery record per
channel that the worker updates in place (`deliveries.<provider>`), so channels never overwrite each other."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from ccjk.models.entities import Delivery, Notification
from ccjk.store.common import table, transact
from ccjk.store.devices import device_pk
from suite import dynamo
from suite.dynamo import expression_values

NOTIF_PREFIX = "NOTIF#"


class ClaimRefused(Exception):
    """The delivery is already sent (`already_sent`) or another worker holds its lease."""

    def __init__(self, *, already_sent: bool) -> None:
        super().__init__("delivery already sent" if already_sent else "delivery leased by another worker")
        self.already_sent = already_sent


def _to_item(notification: Notification) -> dict[str, Any]:
    return dynamo.to_item({
        "pk": device_pk(notification.device_id),
        "sk": NOTIF_PREFIX + notification.notification_id,
        "notification_id": notification.notification_id,
        "device_id": notification.device_id,
        "type": notification.type,
        "title": notification.title,
        "body": notification.body,
        "priority": notification.priority,
        "data": None if notification.data is None else json.dumps(notification.data, ensure_ascii=False),
        "wait_reply": notification.wait_reply,
        "task_id": notification.task_id,
        "actions": _text(notification.actions or None),
        "task": _text(notification.task),
        "metadata": _text(notification.metadata),
        "reply_code": notification.reply_code,
        "reply_until": notification.reply_until,
        "card_id": notification.card_id,
        "created_at": notification.created_at,
        "expires_at": notification.expires_at,
        "deliveries": {provider: _delivery_values(d) for provider, d in notification.deliveries.items()},
    })


def _delivery_values(delivery: Delivery) -> dict[str, Any]:
    return {k: v for k, v in asdict(delivery).items() if v is not None}


def _from_item(values: dict[str, Any]) -> Notification:
    deliveries = {
        provider: Delivery(**{k: v for k, v in raw.items() if k in Delivery.__dataclass_fields__})
        for provider, raw in (values.get("deliveries") or {}).items()
    }
    return Notification(
        notification_id=values["notification_id"], device_id=values["device_id"], type=values["type"],
        title=values.get("title"), body=values["body"], priority=values["priority"],
        created_at=values["created_at"], expires_at=int(values["expires_at"]), deliveries=deliveries,
        data=_data(values.get("data")), wait_reply=bool(values.get("wait_reply")), task_id=values.get("task_id"),
        actions=_data(values.get("actions")) or [], task=_data(values.get("task")),
        metadata=_data(values.get("metadata")), reply_code=values.get("reply_code"),
        reply_until=int(values["reply_until"]) if values.get("reply_until") is not None else None,
        card_id=values.get("card_id"), last_reply=_data(values.get("last_reply")),
    )


def _text(value: Any) -> str | None:
    """Client JSON kept as the text it arrived as (see `_data`)."""
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _data(stored: Any) -> dict[str, Any] | None:
    """`data` is kept as JSON text: any JSON the client sent fits (DynamoDB numbers are narrower than JSON's, and
    maps refuse empty keys), exactly as sent. Items written before that hold a map."""
    return json.loads(stored) if isinstance(stored, str) else stored


def put(notification: Notification, *, also: list[dict[str, Any]] | None = None) -> None:
    """A new notification; with `also` (transaction actions, e.g. its reply-code items), all in one transaction."""
    if not also:
        dynamo.client().put_item(TableName=table(), Item=_to_item(notification),
                                 ConditionExpression="attribute_not_exists(pk)")
        return
    transact([{"Put": {"TableName": table(), "Item": _to_item(notification),
                       "ConditionExpression": "attribute_not_exists(pk)"}}, *also])


def get(device_id: str, notification_id: str, now: int) -> Notification | None:
    values = dynamo.get(table(), device_pk(device_id), NOTIF_PREFIX + notification_id)
    if not values or int(values["expires_at"]) <= now:  # TTL deletes lazily: expired means gone
        return None
    return _from_item(values)


def history(device_id: str, offset: int, limit: int, now: int) -> tuple[list[Notification], int]:
    """Newest first, without expired items."""
    request = {
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
        "FilterExpression": "expires_at > :now",
        "ExpressionAttributeValues": expression_values({":pk": device_pk(device_id), ":prefix": NOTIF_PREFIX,
                                                        ":now": now}),
        "ScanIndexForward": False,
        "ConsistentRead": True,
    }
    total = dynamo.count(table(), **request)
    return [_from_item(v) for v in dynamo.query_page(table(), offset, limit, **request)], total


def _delivery_key(notification: Notification | tuple[str, str]) -> dict[str, Any]:
    device_id, notification_id = (
        (notification.device_id, notification.notification_id) if isinstance(notification, Notification)
        else notification)
    return dynamo.key(device_pk(device_id), NOTIF_PREFIX + notification_id)


def claim(device_id: str, notification_id: str, provider: str, *, now: int, now_iso: str, lease_seconds: int) -> int:
    """Start an attempt: take the delivery's lease unless it was sent or someone else holds a live lease.
    Returns the attempt number. A crash mid-send leaves the lease to expire, so a redelivery can try again."""
    try:
        answer = dynamo.client().update_item(
            TableName=table(),
            Key=_delivery_key((device_id, notification_id)),
            UpdateExpression="SET deliveries.#p.lease_until = :until, deliveries.#p.last_attempt_at = :at "
                             "ADD deliveries.#p.attempts :one",
            ConditionExpression="attribute_exists(deliveries.#p) AND deliveries.#p.#status <> :sent AND "
                                "(attribute_not_exists(deliveries.#p.lease_until) OR deliveries.#p.lease_until < :now)",
            ExpressionAttributeNames={"#p": provider, "#status": "status"},
            ExpressionAttributeValues=expression_values({":until": now + lease_seconds, ":at": now_iso, ":one": 1,
                                                         ":sent": "sent", ":now": now}),
            ReturnValues="ALL_NEW",
        )
    except Exception as exc:
        if not dynamo.is_condition_failure(exc):
            raise
        current = dynamo.get(table(), device_pk(device_id), NOTIF_PREFIX + notification_id) or {}
        state = (current.get("deliveries") or {}).get(provider) or {}
        raise ClaimRefused(already_sent=state.get("status") == "sent") from None
    values = dynamo.from_item(answer["Attributes"]) or {}
    return int(values["deliveries"][provider]["attempts"])


def record(device_id: str, notification_id: str, provider: str, *, status: str, error: str | None,
           http_status: int | None, delivered_at: str | None) -> None:
    """The outcome of an attempt; releases the lease. A delivery recorded as sent is never changed again."""
    sets = ["deliveries.#p.#status = :status"]
    removes = ["deliveries.#p.lease_until"]
    names = {"#p": provider, "#status": "status"}
    attr_values: dict[str, Any] = {":status": status, ":sent": "sent"}
    for name, value in (("error", error), ("http_status", http_status), ("delivered_at", delivered_at)):
        names[f"#{name}"] = name  # "error" is a reserved word: every name goes through a placeholder
        if value is None:
            removes.append(f"deliveries.#p.#{name}")
        else:
            sets.append(f"deliveries.#p.#{name} = :{name}")
            attr_values[f":{name}"] = value
    try:
        dynamo.client().update_item(
            TableName=table(),
            Key=_delivery_key((device_id, notification_id)),
            UpdateExpression="SET " + ", ".join(sets) + " REMOVE " + ", ".join(removes),
            ConditionExpression="attribute_exists(deliveries.#p) AND deliveries.#p.#status <> :sent",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=expression_values(attr_values),
        )
    except Exception as exc:
        if not dynamo.is_condition_failure(exc):
            raise
