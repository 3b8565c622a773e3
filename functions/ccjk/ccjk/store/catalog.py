"""Catalogue items and providers (PynamoDB models), their search index entries, and their counters (suite.dynamo).

An item is created with a condition (its id is new) and changed with a condition on its `revision` (the
optimistic lock an admin edit holds), never by saving a whole copy: counters written meanwhile by installs,
downloads and ratings stay as they are. Counter updates carry `attribute_exists(pk)`, so a counter of a deleted
item can never bring a skeleton of it back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, UpdateError

from ccjk.models.market_entities import CatalogItem, Provider, SearchEntry
from ccjk.store.market import ITEM_SK, item_pk, table
from suite import dynamo

PROVIDER_SK = "PROVIDER"
PROVIDER_KIND = "provider"


class AlreadyExists(Exception):
    """An item (or provider) with this id exists."""


class Stale(Exception):
    """The item changed (or was deleted) since it was read: its revision is not the one the writer holds."""


def provider_pk(shortcode: str) -> str:
    return f"PROVIDER#{shortcode}"


def search_pk(prefix: str) -> str:
    return f"SEARCH#{prefix}"


def _condition_failed(error: Exception) -> bool:
    return getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException"


# ------------------------------------------------------------------------------------------------ items

def get(item_id: str) -> CatalogItem | None:
    try:
        return CatalogItem.get(item_pk(item_id), ITEM_SK, consistent_read=True)
    except DoesNotExist:
        return None


def get_many(item_ids: Iterable[str]) -> dict[str, CatalogItem]:
    """Items by id (missing ids are absent); BatchGetItem, 100 keys a call."""
    wanted = list(dict.fromkeys(item_ids))
    if not wanted:
        return {}
    found = {}
    for item in CatalogItem.batch_get([(item_pk(i), ITEM_SK) for i in wanted]):
        found[item.catalog_id] = item
    return found


def of_kind(kind: str) -> list[CatalogItem]:
    """Every item of one kind (by_kind, every page; eventually consistent like any index)."""
    return list(CatalogItem.by_kind.query(kind))


def top(kind: str, index: str, limit: int) -> list[CatalogItem]:
    """The first `limit` items of a kind by install count or rating score, highest first (one Query)."""
    source = CatalogItem.by_installs if index == "installs" else CatalogItem.by_rating
    return list(source.query(kind, scan_index_forward=False, limit=limit))


def count_of_kind(kind: str) -> int:
    return CatalogItem.by_kind.count(kind)


def create(item: CatalogItem) -> None:
    try:
        item.save(condition=CatalogItem.pk.does_not_exist())
    except PutError as error:
        if _condition_failed(error):
            raise AlreadyExists() from None
        raise


def update(item: CatalogItem, changes: Mapping[str, Any], *, expected_revision: int, now_ms: int) -> CatalogItem:
    """Set the given attributes (None removes an optional one), bump the revision; only while the stored revision
    is the one the caller read."""
    actions = [CatalogItem.revision.set(expected_revision + 1), CatalogItem.updated_ms.set(now_ms)]
    for name, value in changes.items():
        attribute = getattr(CatalogItem, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))
    try:
        item.update(actions=actions, condition=CatalogItem.revision == expected_revision)
    except UpdateError as error:
        if _condition_failed(error):
            raise Stale() from None
        raise
    return item


def delete(item: CatalogItem) -> None:
    try:
        item.delete(condition=CatalogItem.pk.exists())
    except DeleteError as error:
        if _condition_failed(error):
            raise Stale() from None
        raise


def add_counters(item_id: str, counters: Mapping[str, int | float]) -> dict[str, Any] | None:
    """ADD to counters of an existing item; the item's values after the update, or None when it is gone."""
    names = {f"#c{i}": name for i, name in enumerate(counters)}
    values = {f":c{i}": value for i, value in enumerate(counters.values())}
    expression = "ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(counters)))
    try:
        return dynamo.update(table(), item_pk(item_id), ITEM_SK, expression, names=names, values=values,
                             condition="attribute_exists(pk)")
    except Exception as exc:
        if dynamo.is_condition_failure(exc):
            return None
        raise


def counter_actions(transaction: dynamo.Transaction, item_id: str, counters: Mapping[str, int]) -> None:
    """The same ADD as one action of a transaction (which the item's absence cancels)."""
    names = {f"#c{i}": name for i, name in enumerate(counters)}
    values = {f":c{i}": value for i, value in enumerate(counters.values())}
    transaction.update(table(), item_pk(item_id), ITEM_SK,
                       "ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(counters))),
                       condition="attribute_exists(pk)", names=names, values=values)


def set_score(item_id: str, score: float, *, seen_count: int) -> bool:
    """Store a rating score computed from `seen_count` ratings, unless another rating changed the count since
    (then that writer stores its own, newer score)."""
    try:
        dynamo.update(table(), item_pk(item_id), ITEM_SK, "SET rating_score = :s",
                      values={":s": score, ":n": seen_count}, condition="attribute_exists(pk) AND rating_count = :n",
                      return_values="NONE")
    except Exception as exc:
        if dynamo.is_condition_failure(exc):
            return False
        raise
    return True


# ------------------------------------------------------------------------------------------------ search index

def search_entries(prefix: str, *, kind: str | None, limit: int) -> list[SearchEntry]:
    """Index entries under one prefix (of one kind), in key order, at most `limit`."""
    condition = SearchEntry.sk.startswith(f"{kind}#") if kind else None
    return list(SearchEntry.query(search_pk(prefix), condition, limit=limit))


def write_entries(kind: str, item_id: str, entries: Mapping[str, tuple[float, str]],
                  remove: Iterable[str] = ()) -> None:
    """File an item under `entries` ({prefix: (weight, label)}) and take it out of the `remove` prefixes."""
    with SearchEntry.batch_write() as batch:
        for prefix in remove:
            batch.delete(SearchEntry(search_pk(prefix), f"{kind}#{item_id}"))
        for prefix, (weight, label) in entries.items():
            batch.save(SearchEntry(search_pk(prefix), f"{kind}#{item_id}", weight=weight, label=label))


def put_many(items: Sequence[CatalogItem], entries: Iterable[tuple[str, str, Mapping[str, tuple[float, str]]]]) -> None:
    """New items and their index entries in bulk (the seed command's; unconditional)."""
    with CatalogItem.batch_write() as batch:
        for item in items:
            batch.save(item)
    with SearchEntry.batch_write() as batch:
        for kind, item_id, found in entries:
            for prefix, (weight, label) in found.items():
                batch.save(SearchEntry(search_pk(prefix), f"{kind}#{item_id}", weight=weight, label=label))


# ------------------------------------------------------------------------------------------------ providers

def provider(shortcode: str) -> Provider | None:
    try:
        return Provider.get(provider_pk(shortcode), PROVIDER_SK, consistent_read=True)
    except DoesNotExist:
        return None


def providers() -> list[Provider]:
    return list(Provider.by_kind.query(PROVIDER_KIND))


def create_provider(entry: Provider) -> None:
    try:
        entry.save(condition=Provider.pk.does_not_exist())
    except PutError as error:
        if _condition_failed(error):
            raise AlreadyExists() from None
        raise


def update_provider(entry: Provider, changes: Mapping[str, Any], *, now_ms: int) -> Provider:
    actions = [Provider.updated_ms.set(now_ms)]
    for name, value in changes.items():
        attribute = getattr(Provider, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))
    try:
        entry.update(actions=actions, condition=Provider.pk.exists())
    except UpdateError as error:
        if _condition_failed(error):
            raise Stale() from None
        raise
    return entry


def delete_provider(entry: Provider) -> None:
    try:
        entry.delete(condition=Provider.pk.exists())
    except DeleteError as error:
        if _condition_failed(error):
            raise Stale() from None
        raise

