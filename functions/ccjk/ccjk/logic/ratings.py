"""Ratings 1–5, one per user and item (DUPLICATE_RATING), with the item's summary and distribution kept by the
rating transaction itself (store/ratings.py) and the Bayesian score that `by_rating` sorts by set right after.

Reading an item's ratings: newest/oldest pages are one Query of the item's partition; highest, lowest and helpful
sort in memory over at most MAX_SORTED_READ ratings (the most recent), which the answer says when it applies.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ccjk import clock, ids
from ccjk.logic import catalog
from ccjk.models.market_entities import CatalogItem, Rating
from ccjk.store import catalog as catalog_data
from ccjk.store import rankings as ranking_data
from ccjk.store import ratings as rating_data
from ccjk.store import users as user_data
from suite.errors import BadRequest, Conflict, NotFound

SORTS = ("newest", "oldest", "highest", "lowest", "helpful")
MAX_SORTED_READ = 2000
MAX_REVIEW = 2000


def summary(item: CatalogItem) -> dict[str, Any]:
    return {"average": catalog.average(item), "count": int(item.rating_count or 0),
            "distribution": catalog.distribution(item)}


def v8_summary(item: CatalogItem) -> dict[str, Any]:
    return {"average_rating": catalog.average(item), "total_ratings": int(item.rating_count or 0),
            "distribution": catalog.distribution(item)}


def view(rating: Rating) -> dict[str, Any]:
    return {"id": rating.rating_id, "userId": rating.user_id, "userName": rating.user_name,
            "skillId": rating.item_id, "itemId": rating.item_id, "type": rating.item_kind,
            "rating": int(rating.rating), "review": rating.review, "comment": rating.review,
            "helpful": int(rating.helpful or 0), "createdAt": catalog.iso(rating.created_ms),
            "updatedAt": catalog.iso(rating.created_ms)}


def v8_view(rating: Rating) -> dict[str, Any]:
    return {"id": rating.rating_id, "user_id": rating.user_id, "user_name": rating.user_name,
            "rating": int(rating.rating), "comment": rating.review, "helpful_count": int(rating.helpful or 0),
            "created_at": catalog.iso(rating.created_ms)}


def rescore(item_id: str) -> None:
    """Set the item's Bayesian score from its counters as they are now (a later rating sets a later one)."""
    current = rating_data.item_counts(item_id)
    if current is None:
        return
    count = int(current.get("rating_count", 0))
    catalog_data.set_score(item_id, catalog.bayesian(float(current.get("rating_sum", 0)), count), seen_count=count)


def rate(user_id: str, ref: str, kinds: Sequence[str], stars: int, review: str | None) -> dict[str, Any]:
    if not 1 <= stars <= 5:
        raise BadRequest("rating must be an integer from 1 to 5", code="INVALID_RATING_VALUE",
                         details={"field": "rating"})
    if review is not None and len(review) > MAX_REVIEW:
        raise BadRequest(f"review: at most {MAX_REVIEW} characters", code="VALIDATION_ERROR",
                         details={"field": "review"})
    item = catalog.require(ref, kinds, what="Skill" if kinds == (catalog.SKILL,) else "Item", code="SKILL_NOT_FOUND")
    user = user_data.get(user_id)
    now_ms = int(clock.now() * 1000)
    values = {"rating_id": ids.sortable("rt_"), "item_id": item.catalog_id, "item_kind": item.catalog_kind,
              "user_id": user_id, "user_name": user.name if user else "", "rating": stars,
              "review": (review or "").strip() or None, "created_ms": now_ms}
    try:
        rating_data.create(values)
    except rating_data.DuplicateRating:
        raise Conflict("You have already rated this item", code="DUPLICATE_RATING") from None
    except rating_data.ItemGone:
        raise NotFound("Skill not found", code="SKILL_NOT_FOUND") from None
    rescore(item.catalog_id)
    ranking_data.add_stats({"ratings": 1})
    return {"id": values["rating_id"], "skillId": item.catalog_id, "itemId": item.catalog_id, "userId": user_id,
            "rating": stars, "review": values["review"], "comment": values["review"], "helpful": 0,
            "createdAt": clock.iso(now_ms / 1000)}


def ratings_of(item: CatalogItem, sort: str, offset: int, limit: int) -> tuple[list[Rating], bool]:
    """(one page of ratings in the sort's order, whether the sort saw only the most recent MAX_SORTED_READ)."""
    if sort in ("newest", "oldest"):
        return rating_data.of_item(item.catalog_id, newest_first=sort == "newest", offset=offset, limit=limit), False
    found = rating_data.all_of_item(item.catalog_id, MAX_SORTED_READ)
    keys = {"highest": lambda r: (-int(r.rating), -int(r.created_ms)),
            "lowest": lambda r: (int(r.rating), -int(r.created_ms)),
            "helpful": lambda r: (-int(r.helpful or 0), -int(r.created_ms))}
    found.sort(key=keys[sort])
    return found[offset:offset + limit], int(item.rating_count or 0) > MAX_SORTED_READ


def remove(rating_id: str) -> dict[str, Any]:
    """Moderation: take a rating out (and out of the item's aggregates)."""
    found = rating_data.ref(rating_id) if rating_id.startswith("rt_") else None
    if found is None:
        raise NotFound("Rating not found", code="RATING_NOT_FOUND")
    exists = catalog_data.get(found.item_id) is not None
    try:
        rating_data.delete(found, item_exists=exists)
    except rating_data.ItemGone:
        raise NotFound("Rating not found", code="RATING_NOT_FOUND") from None
    if exists:
        rescore(found.item_id)
    ranking_data.add_stats({"ratings": -1})
    return {"id": rating_id, "itemId": found.item_id, "deleted": True}


def queue(offset: int, limit: int) -> list[Rating]:
    return rating_data.queue(offset, limit)
