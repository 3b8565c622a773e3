"""Ratings: one per user and item, the item's aggregates changed in the same transaction.

A rating is three items written together with the item's counters: the lock `ITEM#<id>`/`RATED#<userId>` (only
if absent: a second rating by the same user is refused, however the requests race), the rating in the item's
partition, and a pointer `RATINGREF#<ratingId>` for moderation; the item's `rating_sum`, `rating_count` and
`rating_<n>` are ADDed in the same transaction, so the summary and the distribution always equal the ratings.
"""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist

from ccjk.models.market_entities import Rating, RatingRef
from ccjk.store import catalog as catalog_data
from ccjk.store.market import ITEM_SK, WriteRefused, commit, item_pk, table
from suite import dynamo

QUEUE = "RATINGS"


class DuplicateRating(Exception):
    pass


class ItemGone(Exception):
    pass


def lock_sk(user_id: str) -> str:
    return f"RATED#{user_id}"


def rating_sk(rating_id: str) -> str:
    return f"RATING#{rating_id}"


def ref_pk(rating_id: str) -> str:
    return f"RATINGREF#{rating_id}"


def create(values: dict[str, Any]) -> None:
    """values: rating_id, item_id, item_kind, user_id, user_name, rating, review, created_ms."""
    item_id, rating_id, stars = values["item_id"], values["rating_id"], int(values["rating"])
    transaction = dynamo.Transaction()
    transaction.put(table(), {"pk": item_pk(item_id), "sk": lock_sk(values["user_id"]), "rating_id": rating_id},
                    condition="attribute_not_exists(pk)")
    transaction.put(table(), {"pk": item_pk(item_id), "sk": rating_sk(rating_id), "helpful": 0, "rank_pk": QUEUE,
                              "rank_score": values["created_ms"], **values})
    transaction.put(table(), {"pk": ref_pk(rating_id), "sk": "REF", "item_id": item_id,
                              "rating_sk": rating_sk(rating_id), "user_id": values["user_id"], "rating": stars})
    catalog_data.counter_actions(transaction, item_id, {"rating_sum": stars, "rating_count": 1,
                                                        f"rating_{stars}": 1})
    try:
        commit(transaction)
    except WriteRefused as refused:
        if refused.failed(0):
            raise DuplicateRating() from None
        if refused.failed(3):
            raise ItemGone() from None
        raise


def of_item(item_id: str, *, newest_first: bool, offset: int, limit: int) -> list[Rating]:
    """One page of an item's ratings in time order (reads offset + limit ratings)."""
    found = Rating.query(item_pk(item_id), Rating.sk.startswith("RATING#"), scan_index_forward=not newest_first,
                         limit=offset + limit, consistent_read=True)
    return list(found)[offset:offset + limit]


def all_of_item(item_id: str, cap: int) -> list[Rating]:
    return list(Rating.query(item_pk(item_id), Rating.sk.startswith("RATING#"), limit=cap, consistent_read=True))


def queue(offset: int, limit: int) -> list[Rating]:
    """The moderation queue: every rating, newest first."""
    return list(Rating.by_rank.query(QUEUE, scan_index_forward=False, limit=offset + limit))[offset:offset + limit]


def ref(rating_id: str) -> RatingRef | None:
    try:
        return RatingRef.get(ref_pk(rating_id), "REF", consistent_read=True)
    except DoesNotExist:
        return None


def delete(found: RatingRef, *, item_exists: bool) -> None:
    """Remove a rating, its lock and pointer, and take it out of the item's aggregates (when the item is still
    there), all or nothing; a rating removed meanwhile by someone else is ItemGone."""
    stars = int(found.rating)
    transaction = dynamo.Transaction()
    transaction.delete(table(), item_pk(found.item_id), found.rating_sk, condition="attribute_exists(pk)")
    transaction.delete(table(), item_pk(found.item_id), lock_sk(found.user_id))
    transaction.delete(table(), ref_pk(found.pk.removeprefix("RATINGREF#")), "REF")
    if item_exists:
        catalog_data.counter_actions(transaction, found.item_id, {"rating_sum": -stars, "rating_count": -1,
                                                                  f"rating_{stars}": -1})
    try:
        commit(transaction)
    except WriteRefused as refused:
        if refused.failed(0) or refused.failed(3):
            raise ItemGone() from None
        raise


def purge_item(item_id: str) -> int:
    """Every rating of a deleted item, with their locks and pointers (so an item made again under the same id
    starts without them); how many ratings there were."""
    found = dynamo.query_all(table(), KeyConditionExpression="pk = :pk",
                             ExpressionAttributeValues=dynamo.expression_values({":pk": item_pk(item_id)}),
                             ProjectionExpression="pk, sk, rating_id", ConsistentRead=True)
    keys = [(entry["pk"], entry["sk"]) for entry in found if entry["sk"] != ITEM_SK]
    keys += [(ref_pk(entry["rating_id"]), "REF") for entry in found if str(entry["sk"]).startswith("RATING#")]
    dynamo.batch_delete(table(), keys)
    return sum(1 for entry in found if str(entry["sk"]).startswith("RATING#"))


def item_counts(item_id: str) -> dict[str, Any] | None:
    return dynamo.get(table(), item_pk(item_id), ITEM_SK)
