"""Cloud-sync items, open conflicts and sync state, all in the user's partition `SYNC#<userId>`.

Every item write is conditional on the version it was based on (optimistic locking), so two pushes racing on one
item can never both apply: the loser sees WriteConflict (store.common) and is turned into a conflict by the logic.
`SyncStore` takes `version_check=False` only so a test can show what happens without the condition (lost updates).
"""

from __future__ import annotations

import json
from typing import Any

from ccjk.models.entities import SyncConflict, SyncItem
from ccjk.store.common import WriteConflict, table, transact
from suite import dynamo
from suite.dynamo import expression_values

STATE_SK = "STATE"


def sync_pk(user_id: str) -> str:
    return f"SYNC#{user_id}"


def item_sk(item_type: str, item_id: str) -> str:
    return f"ITEM#{item_type}#{item_id}"


def conflict_sk(item_type: str, item_id: str) -> str:
    return f"CONFLICT#{item_type}#{item_id}"


def _item_from(values: dict[str, Any]) -> SyncItem:
    content = json.loads(values["content"]) if "content" in values else None
    return SyncItem(item_type=values["item_type"], item_id=values["item_id"], content=content,
                    content_hash=values["content_hash"], version=int(values["version"]),
                    updated_at=values["updated_at"], updated_at_ms=int(values["updated_at_ms"]))


def _conflict_from(values: dict[str, Any]) -> SyncConflict:
    return SyncConflict(conflict_id=values["conflict_id"], item_type=values["item_type"], item_id=values["item_id"],
                        local_content=json.loads(values["local_content"]), local_hash=values["local_hash"],
                        remote_version=int(values["remote_version"]), remote_hash=values["remote_hash"],
                        detected_at=values["detected_at"])


def _dump(content: Any) -> str:
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class SyncStore:
    def __init__(self, *, version_check: bool = True) -> None:
        self.version_check = version_check

    # -- items --------------------------------------------------------------------------------------------------

    def get_item(self, user_id: str, item_type: str, item_id: str) -> SyncItem | None:
        values = dynamo.get(table(), sync_pk(user_id), item_sk(item_type, item_id))
        return _item_from(values) if values else None

    def _item_values(self, user_id: str, item: SyncItem) -> dict[str, Any]:
        return dynamo.to_item({
            "pk": sync_pk(user_id), "sk": item_sk(item.item_type, item.item_id), "item_type": item.item_type,
            "item_id": item.item_id, "content": _dump(item.content), "content_hash": item.content_hash,
            "version": item.version, "updated_at": item.updated_at, "updated_at_ms": item.updated_at_ms,
        })

    def _version_condition(self, based_on: int | None) -> dict[str, Any]:
        if not self.version_check:
            return {}
        if based_on is None:
            return {"ConditionExpression": "attribute_not_exists(pk)"}
        return {"ConditionExpression": "version = :based_on",
                "ExpressionAttributeValues": expression_values({":based_on": based_on})}

    def write_item(self, user_id: str, item: SyncItem, *, based_on: int | None) -> None:
        """Write `item` (its version already bumped) if the stored version is still `based_on` (None: absent)."""
        try:
            dynamo.client().put_item(TableName=table(), Item=self._item_values(user_id, item),
                                     **self._version_condition(based_on))
        except Exception as exc:
            if dynamo.is_condition_failure(exc):
                raise WriteConflict() from None
            raise

    def list_items(self, user_id: str, item_type: str | None = None, since_ms: int | None = None, *,
                   with_content: bool = True) -> list[SyncItem]:
        """The user's items (oldest id first); without content (None) when only versions and hashes are needed."""
        prefix = f"ITEM#{item_type}#" if item_type else "ITEM#"
        request: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":pk": sync_pk(user_id), ":prefix": prefix},
            "ConsistentRead": True,
        }
        if not with_content:
            fields = ("item_type", "item_id", "content_hash", "version", "updated_at", "updated_at_ms")
            request["ProjectionExpression"] = ", ".join(f"#{f}" for f in fields)
            request["ExpressionAttributeNames"] = {f"#{f}": f for f in fields}
        if since_ms is not None:
            request["FilterExpression"] = "updated_at_ms > :since"
            request["ExpressionAttributeValues"][":since"] = since_ms
        request["ExpressionAttributeValues"] = expression_values(request["ExpressionAttributeValues"])
        return [_item_from(v) for v in dynamo.query_all(table(), **request)]

    def count_changed_since(self, user_id: str, since_ms: int | None) -> int:
        request: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":pk": sync_pk(user_id), ":prefix": "ITEM#"},
            "ConsistentRead": True,
        }
        if since_ms is not None:
            request["FilterExpression"] = "updated_at_ms > :since"
            request["ExpressionAttributeValues"][":since"] = since_ms
        request["ExpressionAttributeValues"] = expression_values(request["ExpressionAttributeValues"])
        return dynamo.count(table(), **request)

    # -- conflicts ----------------------------------------------------------------------------------------------

    def put_conflict(self, user_id: str, conflict: SyncConflict) -> None:
        """Open (or replace) the item's conflict: the newest rejected local copy is the one to resolve."""
        dynamo.client().put_item(TableName=table(), Item=dynamo.to_item({
            "pk": sync_pk(user_id), "sk": conflict_sk(conflict.item_type, conflict.item_id),
            "conflict_id": conflict.conflict_id, "item_type": conflict.item_type, "item_id": conflict.item_id,
            "local_content": _dump(conflict.local_content), "local_hash": conflict.local_hash,
            "remote_version": conflict.remote_version, "remote_hash": conflict.remote_hash,
            "detected_at": conflict.detected_at,
        }))

    def conflicts(self, user_id: str) -> list[SyncConflict]:
        return [_conflict_from(v) for v in dynamo.query_all(
            table(), KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues=expression_values({":pk": sync_pk(user_id), ":prefix": "CONFLICT#"}),
            ConsistentRead=True)]

    def count_conflicts(self, user_id: str) -> int:
        return dynamo.count(
            table(), KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues=expression_values({":pk": sync_pk(user_id), ":prefix": "CONFLICT#"}),
            ConsistentRead=True)

    def clear_conflict(self, user_id: str, conflict: SyncConflict) -> None:
        """Drop the conflict if it is still this one (a newer conflict on the item stays)."""
        try:
            dynamo.client().delete_item(
                TableName=table(), Key=dynamo.key(sync_pk(user_id), conflict_sk(conflict.item_type,
                                                                                     conflict.item_id)),
                ConditionExpression="conflict_id = :id",
                ExpressionAttributeValues=expression_values({":id": conflict.conflict_id}))
        except Exception as exc:
            if not dynamo.is_condition_failure(exc):
                raise

    def resolve_with_write(self, user_id: str, conflict: SyncConflict, item: SyncItem, *,
                           based_on: int | None) -> None:
        """Write the resolved item and close the conflict together, or neither (WriteConflict on any race)."""
        write: dict[str, Any] = {"TableName": table(), "Item": self._item_values(user_id, item)}
        write.update(self._version_condition(based_on))
        transact([
            {"Put": write},
            {"Delete": {"TableName": table(),
                        "Key": dynamo.key(sync_pk(user_id), conflict_sk(conflict.item_type, conflict.item_id)),
                        "ConditionExpression": "conflict_id = :id",
                        "ExpressionAttributeValues": expression_values({":id": conflict.conflict_id})}},
        ])

    # -- state --------------------------------------------------------------------------------------------------

    def state(self, user_id: str) -> dict[str, Any]:
        return dynamo.get(table(), sync_pk(user_id), STATE_SK) or {}

    def record_sync(self, user_id: str, *, at_iso: str, at_ms: int, pulled_by: str | None = None) -> None:
        """lastSyncAt for the user; with `pulled_by`, also when that client last pulled (for pendingChanges)."""
        dynamo.client().update_item(
            TableName=table(), Key=dynamo.key(sync_pk(user_id), STATE_SK),
            UpdateExpression="SET last_sync_at = :iso, last_sync_ms = :at, pulls = if_not_exists(pulls, :empty)",
            ExpressionAttributeValues=expression_values({":iso": at_iso, ":at": at_ms, ":empty": {}}))
        if pulled_by is not None:
            # A second update: one expression cannot both create the map and set a key inside it.
            dynamo.client().update_item(
                TableName=table(), Key=dynamo.key(sync_pk(user_id), STATE_SK),
                UpdateExpression="SET pulls.#client = :at", ExpressionAttributeNames={"#client": pulled_by},
                ExpressionAttributeValues=expression_values({":at": at_ms}))
