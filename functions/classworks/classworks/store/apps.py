"""The apps catalogue: one partition (`APPS`), sort keys ordered by id, so "newest first" is a backwards Query.

Search and the permission-key list are Queries of that partition with a FilterExpression (DynamoDB filters
after reading, so a search reads the whole catalogue: fine for a catalogue of hundreds or thousands of apps;
see docs/classworks.md for the trade-off and the way out if it ever grows past that).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from classworks import config
from classworks.store import counters
from suite import dynamo

PARTITION = "APPS"
_PUBLIC_FIELDS = ("id", "name", "description", "developerName", "permissionPrefix", "specialPermissions",
                  "permissionKey", "version", "createdAt", "updatedAt")


class AppExists(Exception):
    pass


class AppMissing(Exception):
    pass


def sort_key(app_id: int) -> str:
    return f"APP#{app_id:010d}"


def search_text(app: Mapping[str, Any]) -> str:
    """What a search matches: name, description and developer, lower-cased, one per line."""
    return "\n".join(str(app.get(field) or "") for field in ("name", "description", "developerName")).lower()


def _public(item: Mapping[str, Any]) -> dict[str, Any]:
    return {field: item.get(field) for field in _PUBLIC_FIELDS}


def next_id() -> int:
    """A new app id (1, 2, 3...)."""
    return counters.next_value("APP")


def get(app_id: int) -> dict[str, Any] | None:
    item = dynamo.get(config.table(), PARTITION, sort_key(app_id))
    return _public(item) if item else None


def get_many(app_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    found = dynamo.batch_get(config.table(), [(PARTITION, sort_key(app_id)) for app_id in sorted(set(app_ids))])
    return {item["id"]: _public(item) for item in found.values()}


def _query(filter_expression: str | None = None, **filter_values: Any) -> list[dict[str, Any]]:
    request: dict[str, Any] = {
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :app)",
        "ExpressionAttributeValues": dynamo.expression_values(
            {":pk": PARTITION, ":app": "APP#", **{f":{k}": v for k, v in filter_values.items()}}),
        "ScanIndexForward": False,  # highest id first = newest first
        "ConsistentRead": True,
    }
    if filter_expression:
        request["FilterExpression"] = filter_expression
    return [_public(item) for item in dynamo.query(config.table(), **request)]


def newest_first(search: str | None = None) -> list[dict[str, Any]]:
    """Every app, newest first; with `search`, those whose name, description or developer contains it."""
    if search:
        return _query("contains(searchText, :term)", term=search.lower())
    return _query()


def with_permission_key() -> list[dict[str, Any]]:
    return _query("size(permissionKey) > :zero", zero=0)


def put(app: Mapping[str, Any], *, create: bool) -> None:
    """Write an app; `create` insists it is new, otherwise it must already exist (never a silent upsert)."""
    item = {"pk": PARTITION, "sk": sort_key(app["id"]), **app, "searchText": search_text(app)}
    try:
        dynamo.put(config.table(), item, condition="attribute_not_exists(pk)" if create else "attribute_exists(pk)")
    except Exception as exc:
        if dynamo.is_condition_failure(exc):
            raise (AppExists if create else AppMissing)(app["id"]) from None
        raise
