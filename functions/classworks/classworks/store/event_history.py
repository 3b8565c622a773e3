"""The device events a Socket.IO client may ask for again (`get-event-history`): every `send-event` and every
`kv-key-changed` sent to a device's room, as the original kept them (in its memory, at most 1000 per device).

`EVENTS#<device uuid>` / `<ISO time>#<event id>`, the record as JSON text (its content is any JSON object of up
to 10 KB, which a DynamoDB map could not always hold: nesting, numbers), `expires_at` a day later (TTL). Read
oldest first, a page at a time (offset, limit), as the original sliced its list.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from classworks import config
from suite import dynamo

KEEP_SECONDS = 24 * 3600


def history_pk(device_uuid: str) -> str:
    return f"EVENTS#{device_uuid}"


def record(device_uuid: str, event: Mapping[str, Any], *, now_epoch: int) -> None:
    item = {"pk": history_pk(device_uuid), "sk": f"{event['recordedAt']}#{event['eventId']}",
            "event": json.dumps(event, ensure_ascii=False, separators=(",", ":")),
            "expires_at": now_epoch + KEEP_SECONDS}
    dynamo.put(config.table(), item)


def page(device_uuid: str, offset: int, limit: int, *, now_epoch: int) -> list[dict[str, Any]]:
    """Records offset..offset+limit, oldest first (those TTL has not removed yet are left out)."""
    if limit <= 0:
        return []
    request = {"KeyConditionExpression": "pk = :pk", "ConsistentRead": False,
               "FilterExpression": "expires_at > :now",
               "ExpressionAttributeValues": dynamo.expression_values({":pk": history_pk(device_uuid),
                                                                      ":now": now_epoch})}
    items = dynamo.query_page(config.table(), offset, limit, **request)
    return [json.loads(item["event"]) for item in items]
