"""How an inbound reply finds its notification: by reply code (`REPLYCODE#<code>` / `CODE`, unique among the
open codes of the deployment, since a platform app's callback names no device) and by notification id
(`NOTIFREF#<notificationId>` / `REF`: a Feishu button carries only the id). Both point at the device's partition,
are written in the notification's own transaction, and expire (TTL `expires_at`) when the reply window closes."""

from __future__ import annotations

from typing import Any

from ccjk.store.common import table
from suite import dynamo
from suite.dynamo import expression_values

CODE_SK = "CODE"
REF_SK = "REF"


def pointer_actions(*, code: str, device_id: str, notification_id: str, until: int, now: int) -> list[dict[str, Any]]:
    """The transaction actions that open a code for a notification; a code still open elsewhere cancels the
    transaction (the caller draws another)."""
    return [
        {"Put": {"TableName": table(),
                 "Item": dynamo.to_item({"pk": f"REPLYCODE#{code}", "sk": CODE_SK, "device_id": device_id,
                                         "notification_id": notification_id, "expires_at": until}),
                 "ConditionExpression": "attribute_not_exists(pk) OR expires_at < :now",
                 "ExpressionAttributeValues": expression_values({":now": now})}},
        {"Put": {"TableName": table(),
                 "Item": dynamo.to_item({"pk": f"NOTIFREF#{notification_id}", "sk": REF_SK, "device_id": device_id,
                                         "expires_at": until}),
                 "ConditionExpression": "attribute_not_exists(pk)"}},
    ]


def by_code(code: str, now: int) -> tuple[str, str] | None:
    """(device id, notification id) of an open code."""
    found = dynamo.get(table(), f"REPLYCODE#{code}", CODE_SK)
    if not found or int(found["expires_at"]) <= now:
        return None
    return str(found["device_id"]), str(found["notification_id"])


def device_of(notification_id: str, now: int) -> str | None:
    """The device of a notification that still takes replies."""
    found = dynamo.get(table(), f"NOTIFREF#{notification_id}", REF_SK)
    if not found or int(found["expires_at"]) <= now:
        return None
    return str(found["device_id"])
