"""Search by a prefix index: no Scan, one Query per search (docs/ccjk.md, "Search").

Indexing: every word of an item's name (weight 3), slug and tags (2), category (1.5) and the first
MAX_DESCRIPTION_WORDS words of its descriptions (1) is cut into its prefixes of 2 to MAX_PREFIX characters, and
the item is filed under each prefix (`SEARCH#<prefix>` / `<kind>#<id>`) with the best weight it has there.
Words are NFKC-normalised and case-folded; Chinese, Japanese and Korean text has no spaces, so a run of those
characters is indexed as its single characters and its pairs of neighbours ("专家" → 专, 家, 专家).

Searching: the query is cut into words the same way; the longest word's prefix (at most MAX_PREFIX characters)
is looked up (one Query, at most MAX_CANDIDATES entries, of the kinds asked for), the candidate items are read
(BatchGetItem), and every query word must start a word of the item (AND). Results are ranked by the summed
weight of the best field each query word matched, then by installs.

Limits: a query word of one Latin letter or digit matches nothing (too unselective to look up); words after
MAX_QUERY_WORDS are ignored; a prefix filed under more than MAX_CANDIDATES items of the asked kinds is cut to the
first MAX_CANDIDATES in id order (the answer says `truncated`) — a longer word finds the rest; only the first
MAX_DESCRIPTION_WORDS words of a description are indexed; an item is filed under at most MAX_PREFIXES_PER_ITEM
prefixes (the best-weighted are kept). No stemming, no typo tolerance.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ccjk import clock
from ccjk.logic import catalog
from ccjk.models.market_entities import CatalogItem
from ccjk.store import catalog as catalog_data
from ccjk.store import rankings as ranking_data

MAX_PREFIX = 16
MIN_PREFIX = 2
MAX_CANDIDATES = 300
MAX_QUERY_WORDS = 6
MAX_DESCRIPTION_WORDS = 40
MAX_PREFIXES_PER_ITEM = 400
TERM_MAX_LENGTH = 40
TERMS_KEPT_DAYS = 3
_WORDS = re.compile(r"[^\W_]+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+")


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").casefold()


def words(text: str, limit: int | None = None) -> list[str]:
    """The words of a text as the index knows them, in order (CJK runs as characters and pairs)."""
    found: list[str] = []
    for match in _WORDS.finditer(normalise(text)):
        chunk = match.group(0)
        position = 0
        for cjk in _CJK.finditer(chunk):
            if cjk.start() > position:
                found.append(chunk[position:cjk.start()])
            run = cjk.group(0)
            found.extend(run)
            found.extend(run[i:i + 2] for i in range(len(run) - 1))
            position = cjk.end()
        if position < len(chunk):
            found.append(chunk[position:])
        if limit is not None and len(found) >= limit:
            return found[:limit]
    return found


def is_cjk(word: str) -> bool:
    return bool(_CJK.fullmatch(word))


def prefixes(word: str) -> list[str]:
    if is_cjk(word):
        return [word]
    return [word[:n] for n in range(MIN_PREFIX, min(len(word), MAX_PREFIX) + 1)]


def fields(item: CatalogItem) -> list[tuple[float, list[str]]]:
    """(weight, words) per indexed field of an item."""
    return [
        (3.0, words(item.name_en) + words(item.name_zh or "")),
        (2.0, words(item.slug.replace("-", " ")) + [w for tag in item.tags or [] for w in words(tag)]),
        (1.5, words(item.category)),
        (1.0, words(item.description_en, MAX_DESCRIPTION_WORDS) + words(item.description_zh or "",
                                                                          MAX_DESCRIPTION_WORDS)),
    ]


def index_keys(item: CatalogItem) -> dict[str, tuple[float, str]]:
    """{prefix: (weight, label)} the item is filed under."""
    best: dict[str, float] = {}
    for weight, found in fields(item):
        for word in found:
            for prefix in prefixes(word):
                if best.get(prefix, 0) < weight:
                    best[prefix] = weight
    kept = sorted(best.items(), key=lambda pair: (-pair[1], len(pair[0]), pair[0]))[:MAX_PREFIXES_PER_ITEM]
    return {prefix: (weight, item.name_en) for prefix, weight in kept}


def reindex(item: CatalogItem, previous: Iterable[str] = ()) -> list[str]:
    """File the item under its current prefixes and out of the ones it no longer has; returns its prefixes."""
    keys = index_keys(item)
    catalog_data.write_entries(item.catalog_kind, item.catalog_id, keys, remove=set(previous) - set(keys))
    return sorted(keys)


def unindex(item: CatalogItem) -> None:
    catalog_data.write_entries(item.catalog_kind, item.catalog_id, {}, remove=item.search_keys or [])


# ------------------------------------------------------------------------------------------------ searching

@dataclass
class Found:
    items: list[CatalogItem]
    query: str
    truncated: bool = False


def query_words(query: str) -> list[str]:
    usable = [w for w in dict.fromkeys(words(query)) if is_cjk(w) or len(w) >= MIN_PREFIX]
    return usable[:MAX_QUERY_WORDS]


def _matches(item: CatalogItem, wanted: Sequence[str]) -> float | None:
    """The item's score for the query words, None when a word matches nothing of it."""
    item_fields = fields(item)
    score = 0.0
    for word in wanted:
        best = 0.0
        for weight, found in item_fields:
            if weight > best and any(w == word if is_cjk(word) else w.startswith(word) for w in found):
                best = weight
        if not best:
            return None
        score += best
    return score


def search(query: str, kinds: Sequence[str]) -> Found:
    """Every item of `kinds` matching all words of the query, best first (see the module docstring)."""
    wanted = query_words(query)
    if not wanted:
        return Found([], query)
    lookup = max(wanted, key=len)[:MAX_PREFIX]
    entries = []
    truncated = False
    for kind in (kinds if len(kinds) < len(catalog.KINDS) else [None]):
        found = catalog_data.search_entries(lookup, kind=kind, limit=MAX_CANDIDATES)
        truncated = truncated or len(found) >= MAX_CANDIDATES
        entries.extend(found)
    ids = [entry.sk.split("#", 1)[1] for entry in entries if entry.sk.split("#", 1)[0] in kinds]
    scored = []
    for item in catalog_data.get_many(ids).values():
        if item.status == "archived" or item.catalog_kind not in kinds:
            continue
        score = _matches(item, wanted)
        if score is not None:
            scored.append((score, int(item.install_count or 0), item))
    scored.sort(key=lambda found: (-found[0], -found[1], found[2].name_en.lower()))
    return Found([item for *_rank, item in scored], query, truncated)


def suggestions(query: str, kinds: Sequence[str], limit: int) -> list[dict[str, str | None]]:
    """Completions of what is being typed: item names filed under the last word's prefix, and categories."""
    typed = query_words(query)
    if not typed:
        return []
    prefix = typed[-1][:MAX_PREFIX]
    found: list[dict[str, str | None]] = []
    seen: set[str] = set()
    for category in catalog.CATEGORIES:
        if category.startswith(prefix) and category not in seen:
            seen.add(category)
            found.append({"text": category, "type": "category", "skillId": None, "id": None})
    entries = []
    for kind in (kinds if len(kinds) < len(catalog.KINDS) else [None]):
        entries.extend(catalog_data.search_entries(prefix, kind=kind, limit=MAX_CANDIDATES))
    entries.sort(key=lambda e: (-float(e.weight), e.label.lower()))
    for entry in entries:
        kind, item_id = entry.sk.split("#", 1)
        if kind not in kinds or entry.label.lower() in seen:
            continue
        seen.add(entry.label.lower())
        found.append({"text": entry.label, "type": "skill" if kind == catalog.SKILL else kind, "skillId": item_id,
                      "id": item_id})
    return found[:limit]


# ------------------------------------------------------------------------------------------------ search terms

def term_of(query: str) -> str | None:
    """What a search counts as in the trending terms (normalised; None for what is not worth counting)."""
    term = " ".join(words(query))[:TERM_MAX_LENGTH].strip()
    return term if len(term) >= MIN_PREFIX else None


def record(query: str) -> None:
    """Count a search in today's terms (one atomic ADD; the day's counters expire after TERMS_KEPT_DAYS)."""
    term = term_of(query)
    if term is None:
        return
    now = clock.now()
    day = _day(now)
    ranking_data.count_term(day, term, expires_at=int(now) + TERMS_KEPT_DAYS * 86400)


def trending_terms(limit: int) -> list[dict[str, object]]:
    """The most searched terms of today and yesterday, with their counts."""
    now = clock.now()
    counts: dict[str, int] = {}
    for day in (_day(now), _day(now - 86400)):
        for term, count in ranking_data.top_terms(day, limit):
            counts[term] = counts.get(term, 0) + count
    ranked = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))[:limit]
    return [{"keyword": term, "count": count} for term, count in ranked]


def _day(seconds: float) -> str:
    return clock.iso(seconds)[:10]
