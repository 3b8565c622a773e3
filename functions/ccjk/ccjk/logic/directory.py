"""DirectoryFunction: CcjkTable's stream → the admin directory of users and devices and the stats counters
(store/directory.py), so admin lists and counts are Queries, never Scans.

A user is the `USER#<id>`/`PROFILE` item, a device the `DEVICE#<id>`/`DEVICE` item; their INSERT adds an entry,
their REMOVE takes it out (the old image has its creation time, the entry's sort key). New notifications
(`NOTIF#…` inserts) are counted too (a redelivered batch can count one twice: the figure is for a dashboard).
Records are handled in order; the first failure is reported and the stream retries from it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ccjk.store import directory as directory_data
from ccjk.store import rankings as ranking_data


def _entity(keys: dict[str, Any]) -> tuple[str, str] | None:
    pk, sk = str(keys.get("pk", "")), str(keys.get("sk", ""))
    if pk.startswith("USER#") and sk == "PROFILE":
        return "users", pk.removeprefix("USER#")
    if pk.startswith("DEVICE#") and sk == "DEVICE":
        return "devices", pk.removeprefix("DEVICE#")
    return None


def handle(record: dict[str, Any]) -> None:
    change = record.get("dynamodb") or {}
    event = record.get("eventName")
    keys = directory_data.plain(change.get("Keys"))
    if event == "INSERT" and str(keys.get("sk", "")).startswith("NOTIF#"):
        ranking_data.add_stats({"notifications": 1})
        return
    entity = _entity(keys)
    if entity is None:
        return
    kind, entity_id = entity
    if event == "INSERT":
        image = directory_data.plain(change.get("NewImage"))
        created = str(image.get("created_at", ""))
        values = {"entity_id": entity_id, "created_at": created}
        if kind == "users":
            values.update(email=image.get("email"), name=image.get("name"))
        else:
            values.update(name=image.get("name"), user_id=image.get("user_id"))
        directory_data.add(kind, f"{created}#{entity_id}", values)
    elif event == "REMOVE":
        image = directory_data.plain(change.get("OldImage"))
        directory_data.remove(kind, f"{image.get('created_at', '')}#{entity_id}")


def handle_batch(records: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    """The batch's failure report: from the first record that failed on (the stream keeps the order)."""
    for record in records:
        try:
            handle(record)
        except Exception:
            sequence = (record.get("dynamodb") or {}).get("SequenceNumber", "")
            from suite import observability  # noqa: PLC0415

            observability.logger().exception("directory record failed", extra={"sequence": sequence})
            return [{"itemIdentifier": sequence}]
    return []
