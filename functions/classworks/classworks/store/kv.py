"""Device KV values: table KV_TABLE, one item per (device uuid, key); values are stored as JSON text.

JSON text, not a DynamoDB map: it keeps the value exactly as sent (numbers, key order, empty objects and
arrays, nesting deeper than DynamoDB's 32 levels). Listings read the `metadata` local secondary index, whose
entries carry the key and its metadata but not the value. The table's stream feeds the live changes.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from classworks import config
from suite import dynamo

METADATA_INDEX = "metadata"
ITEM_LIMIT_BYTES = 400 * 1024  # DynamoDB's item size limit (names + values)
BATCH_WORKERS = 8


class ItemTooLarge(Exception):
    pass


def _key(device: str, key: str) -> dict[str, Any]:
    return {"device": {"S": device}, "key": {"S": key}}


def item_size(device: str, key: str, value_json: str, creator_ip: str) -> int:
    """Upper bound of the stored item's size as DynamoDB counts it (UTF-8 names and string values)."""
    timestamps = 2 * (len("createdAt") + 24) + len("viaBatch") + 1  # and the boolean batch flag
    parts = [("device", device), ("key", key), ("value", value_json), ("creatorIp", creator_ip),
             ("updatedAt", "x" * 24)]
    return timestamps + sum(len(name) + len(text.encode("utf-8")) for name, text in parts)


def get(device: str, key: str) -> dict[str, Any] | None:
    answer = dynamo.client().get_item(TableName=config.kv_table(), Key=_key(device, key), ConsistentRead=True)
    return dynamo.from_item(answer.get("Item"))


def get_metadata(device: str, key: str) -> dict[str, Any] | None:
    answer = dynamo.client().get_item(
        TableName=config.kv_table(), Key=_key(device, key), ConsistentRead=True,
        ProjectionExpression="#key, createdAt, updatedAt, creatorIp", ExpressionAttributeNames={"#key": "key"})
    return dynamo.from_item(answer.get("Item"))


def upsert(device: str, key: str, value_json: str, creator_ip: str, now: str, *, batch: bool = False) -> bool:
    """Store a value in one atomic UpdateItem; True when the key is new. The last writer's value wins
    (a KV put replaces, it never merges), and createdAt is kept from the first write. `viaBatch` marks a write
    of a batch import (the live `kv-key-changed` event says `batch: true` for those)."""
    if item_size(device, key, value_json, creator_ip) > ITEM_LIMIT_BYTES:
        raise ItemTooLarge(key)
    answer = dynamo.client().update_item(
        TableName=config.kv_table(), Key=_key(device, key),
        UpdateExpression="SET #value = :value, creatorIp = :ip, updatedAt = :now, "
                         "createdAt = if_not_exists(createdAt, :now), viaBatch = :batch ADD revision :one",
        ExpressionAttributeNames={"#value": "value"},
        ExpressionAttributeValues=dynamo.expression_values({":value": value_json, ":ip": creator_ip, ":now": now,
                                                            ":one": 1, ":batch": batch}),
        ReturnValues="UPDATED_OLD")
    # `revision` counts the writes of a key; it had no old value exactly when this write created the key.
    return "revision" not in answer.get("Attributes", {})


def upsert_many(device: str, entries: list[tuple[str, str]], creator_ip: str,
                now: str) -> list[tuple[str, bool | Exception]]:
    """Several upserts in parallel (each atomic on its own); per key: created flag, or the error it hit."""

    def one(entry: tuple[str, str]) -> tuple[str, bool | Exception]:
        key, value_json = entry
        try:
            return key, upsert(device, key, value_json, creator_ip, now, batch=True)
        except Exception as exc:  # reported per key; the rest of the batch goes on
            return key, exc

    if not entries:
        return []
    with ThreadPoolExecutor(max_workers=min(BATCH_WORKERS, len(entries))) as pool:
        return list(pool.map(one, entries))


def delete(device: str, key: str) -> bool:
    """True when the key existed."""
    answer = dynamo.client().delete_item(TableName=config.kv_table(), Key=_key(device, key), ReturnValues="ALL_OLD")
    return bool(answer.get("Attributes"))


def list_metadata(device: str) -> list[dict[str, Any]]:
    """Key, createdAt, updatedAt and creatorIp of every value of a device (index entries, no values)."""
    return dynamo.query_all(
        config.kv_table(), IndexName=METADATA_INDEX, ConsistentRead=True, KeyConditionExpression="device = :device",
        ExpressionAttributeValues=dynamo.expression_values({":device": device}))


def stream_change(record: dict[str, Any]) -> dict[str, Any]:
    """One record of the table's stream (Lambda's shape) in plain values: its event name, the item's keys
    (`device`, `key`), the new image (none for a REMOVE) and the record's approximate time (epoch seconds)."""
    change = record.get("dynamodb") or {}
    return {"event": record.get("eventName"), "keys": dynamo.from_item(change.get("Keys")) or {},
            "image": dynamo.from_item(change.get("NewImage")) or {},
            "at": change.get("ApproximateCreationDateTime")}
