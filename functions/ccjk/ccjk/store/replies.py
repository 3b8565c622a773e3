"""Replies, in the device's partition beside its notifications:

| item          | sk                                   | notes                                                    |
|---------------|--------------------------------------|----------------------------------------------------------|
| reply         | `REPLY#<createdAt>#<replyId>`        | ISO times sort: `since` is one Query on a key range      |
| not handed out| `UNREAD#<createdAt>#<replyId>`       | a copy; deleting it (conditionally) hands the reply out once |

A reply, its UNREAD copy and the notification's `last_reply` (what `GET /reply/{id}` answers) are written in one
transaction, with the platform's event id (`CALLBACK#<platform>#<id>`, kept a day) when it came from a callback:
a platform's retry of the same event cancels the transaction and stores nothing twice. Everything expires with
the notification (TTL `expires_at`).
"""

from __future__ import annotations

import json
from typing import Any

from ccjk.models.entities import Reply
from ccjk.store.common import WriteConflict, table, transact
from ccjk.store.devices import device_pk
from ccjk.store.notifications import NOTIF_PREFIX
from suite import dynamo
from suite.dynamo import expression_values

REPLY_PREFIX = "REPLY#"
UNREAD_PREFIX = "UNREAD#"
SEEN_SECONDS = 86_400  # platforms retry for minutes; a day is plenty


class Duplicate(Exception):
    """The platform sent this event before: it was stored then."""


class NotificationGone(Exception):
    """The notification no longer exists (expired, or its device was removed)."""


def _values(reply: Reply) -> dict[str, Any]:
    return {"reply_id": reply.reply_id, "device_id": reply.device_id, "notification_id": reply.notification_id,
            "channel": reply.channel, "content": reply.content, "created_at": reply.created_at,
            "expires_at": reply.expires_at, "action_id": reply.action_id, "task_id": reply.task_id,
            "metadata": json.dumps(reply.metadata, ensure_ascii=False)}


def _from(values: dict[str, Any]) -> Reply:
    return Reply(reply_id=values["reply_id"], device_id=values["device_id"], notification_id=values["notification_id"],
                 channel=values["channel"], content=values["content"], created_at=values["created_at"],
                 expires_at=int(values["expires_at"]), action_id=values.get("action_id"),
                 task_id=values.get("task_id"), metadata=json.loads(values.get("metadata") or "{}"))


def _sort_key(prefix: str, reply: Reply) -> str:
    return f"{prefix}{reply.created_at}#{reply.reply_id}"


def put(reply: Reply, latest: dict[str, Any], *, event_key: str | None = None, now: int = 0) -> None:
    """Store a reply, mark it not handed out, and make it the notification's latest (`latest` is the view kept
    there), in one transaction. Raises Duplicate for an event seen before, NotificationGone when the
    notification is gone."""
    pk = device_pk(reply.device_id)
    actions: list[dict[str, Any]] = [
        {"Put": {"TableName": table(), "Item": dynamo.to_item({"pk": pk, "sk": _sort_key(REPLY_PREFIX, reply),
                                                               **_values(reply)})}},
        {"Put": {"TableName": table(), "Item": dynamo.to_item({"pk": pk, "sk": _sort_key(UNREAD_PREFIX, reply),
                                                               **_values(reply)})}},
        {"Update": {"TableName": table(), "Key": dynamo.key(pk, NOTIF_PREFIX + reply.notification_id),
                    "UpdateExpression": "SET last_reply = :latest ADD reply_count :one",
                    "ConditionExpression": "attribute_exists(pk) AND expires_at > :now",
                    "ExpressionAttributeValues": expression_values({
                        ":latest": json.dumps(latest, ensure_ascii=False), ":one": 1, ":now": now})}},
    ]
    if event_key:
        actions.append({"Put": {"TableName": table(),
                                "Item": dynamo.to_item({"pk": f"CALLBACK#{event_key}", "sk": "SEEN",
                                                        "expires_at": now + SEEN_SECONDS}),
                                "ConditionExpression": "attribute_not_exists(pk)"}})
    try:
        transact(actions)
    except WriteConflict as conflict:
        if event_key and len(conflict.reasons) == 4 and conflict.reasons[3] == "ConditionalCheckFailed":
            raise Duplicate() from None
        if len(conflict.reasons) >= 3 and conflict.reasons[2] == "ConditionalCheckFailed":
            raise NotificationGone() from None
        raise


def seen(event_key: str, now: int) -> bool:
    """Whether a platform event was stored already (a cheap check before any work; `put` is the guarantee)."""
    found = dynamo.get(table(), f"CALLBACK#{event_key}", "SEEN")
    return bool(found) and int(found["expires_at"]) > now


def remember(event_key: str, now: int) -> bool:
    """Record a platform event that stores no reply (a card click that became a command): False when seen."""
    try:
        dynamo.client().put_item(TableName=table(), Item=dynamo.to_item({
            "pk": f"CALLBACK#{event_key}", "sk": "SEEN", "expires_at": now + SEEN_SECONDS}),
            ConditionExpression="attribute_not_exists(pk) OR expires_at < :now",
            ExpressionAttributeValues=expression_values({":now": now}))
    except Exception as exc:
        if dynamo.is_condition_failure(exc):
            return False
        raise
    return True


def after(device_id: str, since_iso: str, limit: int, now: int) -> list[Reply]:
    """The device's replies created after `since_iso` (exclusive), oldest first."""
    answer = dynamo.client().query(
        TableName=table(), ConsistentRead=True, Limit=limit,
        KeyConditionExpression="pk = :pk AND sk BETWEEN :low AND :high",
        ExpressionAttributeValues=expression_values({":pk": device_pk(device_id),
                                                     ":low": f"{REPLY_PREFIX}{since_iso}#~",
                                                     ":high": f"{REPLY_PREFIX}~"}))
    return [r for r in (_from(dynamo.from_item(i)) for i in answer.get("Items", [])) if r.expires_at > now]


def newest(device_id: str, limit: int, now: int) -> list[Reply]:
    answer = dynamo.client().query(
        TableName=table(), ConsistentRead=True, Limit=limit, ScanIndexForward=False,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues=expression_values({":pk": device_pk(device_id), ":prefix": REPLY_PREFIX}))
    return [r for r in (_from(dynamo.from_item(i)) for i in answer.get("Items", [])) if r.expires_at > now]


def hand_out_oldest(device_id: str, now: int) -> Reply | None:
    """The oldest reply not handed out yet, handed out now (its UNREAD copy deleted conditionally: two polls never
    both get it). None when there is none."""
    answer = dynamo.client().query(
        TableName=table(), ConsistentRead=True, Limit=5,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues=expression_values({":pk": device_pk(device_id), ":prefix": UNREAD_PREFIX}))
    for raw in answer.get("Items", []):
        values = dynamo.from_item(raw) or {}
        try:
            taken = dynamo.client().delete_item(TableName=table(), Key=dynamo.key(values["pk"], values["sk"]),
                                                ConditionExpression="attribute_exists(pk)", ReturnValues="ALL_OLD")
        except Exception as exc:
            if dynamo.is_condition_failure(exc):
                continue  # another poll took it
            raise
        reply = _from(dynamo.from_item(taken.get("Attributes")) or values)
        if reply.expires_at > now:
            return reply
    return None
