"""Channel mappings (KOOK channel → target bot/channel) in ConfigTable.

Keys: pk "MAPPING" / sk <id, 10 digits>; every mapping also carries `kook_channel_id` and `mapping_id`, the keys of
the GSI ByKookChannel, so the forwarding hot path "mappings of this KOOK channel" is one Query
(`for_channel`). pk "MAPPING_TARGET" / sk "<kook channel>#<bot>#<target channel>" claims a target, written in the
same transaction as the mapping, so the same message can never be forwarded twice to one target by duplicates.
Each mapping has a `version` for optimistic locking of updates.
"""

from __future__ import annotations

from typing import Any

from kook import clock, config
from kook.store import counters, tables
from suite import dynamo

MAPPING = "MAPPING"
TARGET = "MAPPING_TARGET"
CHANNEL_INDEX = "ByKookChannel"
_PER_TRANSACTION = dynamo.MAX_TRANSACTION_ITEMS // 2  # a mapping and its target claim


class DuplicateTarget(Exception):
    """Another mapping already forwards this KOOK channel to this target. `index` is the row of a batch."""

    def __init__(self, index: int = 0) -> None:
        super().__init__(f"row {index} duplicates an existing mapping")
        self.index = index


class VersionConflict(Exception):
    """The mapping changed since it was read."""


def _table() -> str:
    return config.get().config_table


def sort_key(mapping_id: int) -> str:
    return f"{mapping_id:010d}"


def target_key(mapping: dict[str, Any]) -> str:
    return f"{mapping['kook_channel_id']}#{mapping['target_bot_id']}#{mapping.get('target_channel_id') or ''}"


def _item(mapping: dict[str, Any]) -> dict[str, Any]:
    return {"pk": MAPPING, "sk": sort_key(mapping["id"]), "mapping_id": mapping["id"], **mapping}


def _add_to(transaction: dynamo.Transaction, mapping: dict[str, Any]) -> None:
    transaction.put(_table(), {"pk": TARGET, "sk": target_key(mapping), "mapping_id": mapping["id"]},
                    condition="attribute_not_exists(pk)")
    transaction.put(_table(), _item(mapping), condition="attribute_not_exists(pk)")


def create_all(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Create mappings (at most 50, all or none); ids, timestamps and versions are assigned here.
    Raises DuplicateTarget naming the first row whose target is already claimed."""
    if len(rows) > _PER_TRANSACTION:
        raise ValueError(f"at most {_PER_TRANSACTION} mappings per call")
    if not rows:
        return []
    now = clock.iso()
    ids = counters.next_ids(_table(), "mapping", len(rows))
    created = [{**row, "id": mapping_id, "created_at": now, "updated_at": now, "version": 1}
               for row, mapping_id in zip(rows, ids, strict=True)]
    transaction = dynamo.Transaction()
    for mapping in created:
        _add_to(transaction, mapping)
    try:
        transaction.commit()
    except Exception as exc:
        if dynamo.is_condition_failure(exc):
            codes = dynamo.cancellation_reasons(exc)
            failed = next((i for i, code in enumerate(codes) if code == "ConditionalCheckFailed"), 0)
            raise DuplicateTarget(failed // 2) from None
        raise
    return created


def get(mapping_id: int) -> dict[str, Any] | None:
    return dynamo.get(_table(), MAPPING, sort_key(mapping_id))


def list_all() -> list[dict[str, Any]]:
    return list(dynamo.query_partition(_table(), MAPPING))


def for_channel(kook_channel_id: str, *, enabled_only: bool = False) -> list[dict[str, Any]]:
    """Every mapping of one KOOK channel: the forwarding hot path, one Query on the ByKookChannel index."""
    request: dict[str, Any] = {
        "IndexName": CHANNEL_INDEX,
        "KeyConditionExpression": "kook_channel_id = :channel",
        "ExpressionAttributeValues": {":channel": {"S": kook_channel_id}},
    }
    if enabled_only:
        request["FilterExpression"] = "enabled = :on"
        request["ExpressionAttributeValues"][":on"] = {"N": "1"}
    return list(dynamo.query(_table(), **request))


def for_bot(bot_id: int) -> list[dict[str, Any]]:
    return [m for m in list_all() if m.get("target_bot_id") == bot_id]


def update(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Apply `changes` to `current` if nobody changed it meanwhile (its version). A new target identity moves
    the target claim in the same transaction. Raises VersionConflict or DuplicateTarget."""
    updated = {**current, **changes, "version": current["version"] + 1, "updated_at": clock.iso()}
    transaction = dynamo.Transaction()
    if target_key(updated) != target_key(current):
        transaction.delete(_table(), TARGET, target_key(current))
        transaction.put(_table(), {"pk": TARGET, "sk": target_key(updated), "mapping_id": updated["id"]},
                        condition="attribute_not_exists(pk)")
    item = _item({k: v for k, v in updated.items() if k not in ("pk", "sk", "mapping_id")})
    transaction.put(_table(), item, condition="#version = :version", names={"#version": "version"},
                    values={":version": current["version"]})
    try:
        transaction.commit()
    except Exception as exc:
        if dynamo.is_condition_failure(exc):
            codes = dynamo.cancellation_reasons(exc)
            if codes and codes[-1] == "ConditionalCheckFailed":
                raise VersionConflict from None
            raise DuplicateTarget() from None
        raise
    return updated


def delete(mapping: dict[str, Any]) -> bool:
    transaction = dynamo.Transaction()
    transaction.delete(_table(), MAPPING, sort_key(mapping["id"]), condition="attribute_exists(pk)")
    transaction.delete(_table(), TARGET, target_key(mapping))
    return transaction.commit_if_conditions_hold()


def delete_many(mappings: list[dict[str, Any]]) -> int:
    keys = [(MAPPING, sort_key(m["id"])) for m in mappings] + [(TARGET, target_key(m)) for m in mappings]
    dynamo.batch_delete(_table(), keys)
    return len(mappings)


def restore(mappings: list[dict[str, Any]]) -> None:
    """Write mappings exactly as given (ids kept) with their target claims (backup restore)."""
    items = []
    for mapping in mappings:
        items.append(_item(mapping))
        items.append({"pk": TARGET, "sk": target_key(mapping), "mapping_id": mapping["id"]})
    dynamo.batch_put(_table(), items)
    if mappings:
        counters.raise_counter_to(_table(), "mapping", max(m["id"] for m in mappings))


def delete_all() -> int:
    return delete_many(list_all())


def count() -> int:
    return tables.count_partition(_table(), MAPPING)
