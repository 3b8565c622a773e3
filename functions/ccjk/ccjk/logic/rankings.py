"""AI tool rankings: by installs, by rating, and trending over a window — each served by one Query per kind on an
index kept in order by atomic counters (no original exists; the endpoint's shape is ours, docs/ccjk.md
"Rankings").

- installs: `by_installs` (the item's `install_count`, current installs, ADDed by installs and uninstalls);
- rating: `by_rating` (the Bayesian score of logic/catalog.py, set after each rating from the item's counters);
- trending: installs and downloads of the last W days (TRENDING_WINDOW_DAYS, 7), from the window counters of
  store/rankings.py.

A ranking of several kinds reads each kind's first `limit` and merges them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from ccjk import clock, config
from ccjk.logic import catalog
from ccjk.models.market_entities import CatalogItem
from ccjk.store import catalog as catalog_data
from ccjk.store import rankings as ranking_data

DIMENSIONS = ("installs", "rating", "trending")
TRENDING_FLAG_TOP = 10  # the items of a kind's top 10 trending are `isTrending` in listings


def _day(moment: dt.date) -> str:
    return moment.isoformat()


def windows(now: float | None = None) -> dict[str, int]:
    """{first day: expires_at} of the W windows that contain today."""
    days = config.market().trending_window_days
    today = dt.datetime.fromtimestamp(clock.now() if now is None else now, dt.UTC).date()
    found = {}
    for back in range(days):
        first = today - dt.timedelta(days=back)
        end = dt.datetime.combine(first + dt.timedelta(days=days + 1), dt.time(), dt.UTC)
        found[_day(first)] = int(end.timestamp())
    return found


def current_window(now: float | None = None) -> str:
    """The first day of the window that is 'the last W days' today."""
    days = config.market().trending_window_days
    today = dt.datetime.fromtimestamp(clock.now() if now is None else now, dt.UTC).date()
    return _day(today - dt.timedelta(days=days - 1))


def record_activity(item: CatalogItem) -> None:
    """An install or a download of the item counts in every trending window containing today."""
    ranking_data.count_activity(item.catalog_kind, item.catalog_id, windows())


def trending_counts(kinds: Sequence[str], limit: int) -> dict[str, int]:
    """{item id: count} of the top `limit` of each kind in the current window."""
    first_day = current_window()
    counts: dict[str, int] = {}
    for kind in dict.fromkeys(kinds):
        counts.update(ranking_data.trending(kind, first_day, limit))
    return counts


def trending_ranks(kinds: Sequence[str]) -> tuple[dict[str, int], dict[str, int]]:
    """(counts, ranks) of the current window's top TRENDING_FLAG_TOP per kind: what listings flag as trending."""
    counts = trending_counts(kinds, TRENDING_FLAG_TOP)
    ordered = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    return counts, {item_id: rank for rank, (item_id, _count) in enumerate(ordered, start=1) if _count > 0}


def trending_items(kinds: Sequence[str], limit: int) -> list[tuple[CatalogItem, int]]:
    counts = trending_counts(kinds, limit)
    items = catalog_data.get_many(counts)
    ranked = sorted(((items[i], n) for i, n in counts.items() if i in items and n > 0),
                    key=lambda pair: (-pair[1], -int(pair[0].install_count or 0), pair[0].catalog_id))
    return [(item, count) for item, count in ranked if item.status != "archived"][:limit]


def ranking(dimension: str, kinds: Sequence[str], limit: int) -> dict[str, Any]:
    """GET /api/rankings: the first `limit` items of the kinds in one dimension."""
    scored: list[tuple[CatalogItem, float]] = []
    if dimension == "trending":
        scored = [(item, float(count)) for item, count in trending_items(kinds, limit)]
    else:
        index = "installs" if dimension == "installs" else "rating"
        for kind in dict.fromkeys(kinds):
            for item in catalog_data.top(kind, index, limit):
                if item.status == "archived" or (dimension == "rating" and not item.rating_count):
                    continue
                score = float(item.install_count or 0) if dimension == "installs" else float(item.rating_score or 0)
                scored.append((item, score))
        scored.sort(key=lambda pair: (-pair[1], -int(pair[0].install_count or 0), pair[0].catalog_id))
        scored = scored[:limit]
    counts = trending_counts(kinds, TRENDING_FLAG_TOP) if dimension != "trending" else {}
    return {
        "dimension": dimension,
        "types": list(kinds),
        "window": {"days": config.market().trending_window_days, "from": current_window(),
                   "to": clock.iso()[:10]} if dimension == "trending" else None,
        "generatedAt": clock.iso(),
        "items": [{"rank": rank, "score": score, **_entry(item, counts)} for rank, (item, score) in
                  enumerate(scored, start=1)],
    }


def _entry(item: CatalogItem, counts: dict[str, int]) -> dict[str, Any]:
    return {"id": item.catalog_id, "slug": item.slug, "type": item.catalog_kind, "name": item.name_en,
            "nameZh": item.name_zh, "category": item.category, "installCount": int(item.install_count or 0),
            "downloadCount": int(item.download_count or 0), "ratingAvg": catalog.average(item),
            "ratingCount": int(item.rating_count or 0), "isOfficial": bool(item.is_official),
            "trendingCount": counts.get(item.catalog_id)}


def item_views(items: Sequence[CatalogItem], kinds: Sequence[str]) -> list[dict[str, Any]]:
    """Items in the camelCase view, flagged `isTrending` (with their rank) when in their kind's top trending."""
    counts, ranks = trending_ranks(kinds) if items else ({}, {})
    return [catalog.item_view(item, trending=counts, trending_rank=ranks) for item in items]


def listing(filters: catalog.Filters, *, sort: str, offset: int, limit: int, descending: bool = True
            ) -> catalog.Page:
    """catalog.listing, with the window's counts when the sort is by trending."""
    counts = trending_counts(filters.kinds, catalog.MAX_ITEMS_PER_KIND) if sort == "trending" else None
    return catalog.listing(filters, sort=sort, offset=offset, limit=limit, descending=descending, trending=counts)
