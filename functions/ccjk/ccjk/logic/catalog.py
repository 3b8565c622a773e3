"""The catalogue: kinds, the one id space and its aliases, listings (filters, sorts, pages) and the views each API
family answers.

One id space: every item's id is `<prefix>_<slug>` (`skill_git-commit`, `mcp_github`, `tpl_react-review`), and
every API resolves any of these forms to the same item: the id itself, the bare slug, or the slug under another
kind's prefix (the original's recommendation API answered `skill_*` ids that its templates API did not know).
Resolving is one BatchGetItem of the candidate ids, never a Scan; an API that serves one kind only (the skills
list) takes only that kind.

Listings read the kind's partition of the `by_kind` index (all pages), then filter, sort and cut a page in
memory. A kind holds at most MAX_ITEMS_PER_KIND items (admin creation refuses more), which bounds what one
listing reads; rankings and "popular"/"top rated" pages of a whole kind read only what they show from the
sorted indexes instead (logic/rankings.py).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ccjk import clock
from ccjk.models.market_entities import CatalogItem
from ccjk.store import catalog as catalog_data
from suite.errors import NotFound

SKILL, MCP, AGENT, HOOK = "skill", "mcp", "agent", "hook"
TEMPLATE_KINDS = ("workflow", "output-style", "prompt", "claude-md")
KINDS = (SKILL, MCP, AGENT, HOOK, *TEMPLATE_KINDS)
PREFIXES = {SKILL: "skill", MCP: "mcp", AGENT: "agent", HOOK: "hook", **dict.fromkeys(TEMPLATE_KINDS, "tpl")}
# Prefixes clients have sent for ids (the original's and its clients'); each names a slug.
ALIAS_PREFIXES = ("skill", "mcp", "agent", "hook", "tpl", "template", "plugin", "mcp-server")
KIND_NAMES = {  # what clients call a kind → ours
    "skill": SKILL, "skills": SKILL, "mcp": MCP, "mcps": MCP, "mcp-server": MCP, "mcp-servers": MCP,
    "mcp_server": MCP, "agent": AGENT, "agents": AGENT, "hook": HOOK, "hooks": HOOK, "workflow": "workflow",
    "workflows": "workflow", "output-style": "output-style", "output-styles": "output-style", "prompt": "prompt",
    "prompts": "prompt", "claude-md": "claude-md", "template": "claude-md",
}
CATEGORIES = ("development", "productivity", "writing", "analysis", "automation", "integration", "utility", "testing",
              "devops", "data", "security", "documentation", "other")
PROVIDERS = ("official", "community", "verified", "third-party")
STATUSES = ("active", "beta", "deprecated", "archived")
SLUG_RE = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
MAX_ITEMS_PER_KIND = 1000
SORTS = ("popular", "newest", "updated", "rating", "trending", "name", "downloads")
BAYES_PRIOR_MEAN = 3.0
BAYES_PRIOR_WEIGHT = 5


def kind_of(name: str | None) -> str | None:
    """Our kind for a client's name of it (`mcp-servers`, `skills`...), None when unknown."""
    return KIND_NAMES.get((name or "").strip().lower())


def new_id(kind: str, slug: str) -> str:
    return f"{PREFIXES[kind]}_{slug}"


def slugify(text: str) -> str:
    """A slug from a name: ASCII letters and digits, words joined by '-' (empty when nothing is left)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:64].strip("-")


def valid_slug(slug: str) -> bool:
    return bool(SLUG_RE.fullmatch(slug))


def candidates(ref: str, kinds: Sequence[str]) -> list[str]:
    """The ids `ref` may stand for, most specific first (the form it was given in, then each kind's own)."""
    ref = ref.strip().lower()
    prefix, sep, rest = ref.partition("_")
    if sep and prefix in ALIAS_PREFIXES and valid_slug(rest):
        slug, found = rest, [ref]
    elif valid_slug(ref):
        slug, found = ref, []
    else:
        return []
    for kind in kinds:
        found.append(new_id(kind, slug))
    return list(dict.fromkeys(found))


def resolve_many(refs: Iterable[str], kinds: Sequence[str] = KINDS) -> dict[str, CatalogItem]:
    """{ref: item} for the refs that name an item of one of `kinds` (one BatchGetItem for all of them)."""
    wanted = {ref: candidates(ref, kinds) for ref in refs}
    items = catalog_data.get_many(i for ids in wanted.values() for i in ids)
    resolved = {}
    for ref, ids in wanted.items():
        for item_id in ids:
            item = items.get(item_id)
            if item is not None and item.catalog_kind in kinds:
                resolved[ref] = item
                break
    return resolved


def resolve(ref: str, kinds: Sequence[str] = KINDS) -> CatalogItem | None:
    return resolve_many([ref], kinds).get(ref)


def require(ref: str, kinds: Sequence[str] = KINDS, *, what: str = "Item", code: str = "NOT_FOUND") -> CatalogItem:
    item = resolve(ref, kinds)
    if item is None or item.status == "archived":
        raise NotFound(f"{what} not found", code=code)
    return item


# ------------------------------------------------------------------------------------------------ listings

@dataclass(frozen=True)
class Filters:
    kinds: tuple[str, ...] = (SKILL,)
    category: str | None = None
    tags: tuple[str, ...] = ()
    featured: bool | None = None
    official: bool | None = None
    verified: bool | None = None
    provider: str | None = None
    include_archived: bool = False
    status: str | None = None
    ids: frozenset[str] | None = None  # only these (search results)

    def keep(self, item: CatalogItem) -> bool:
        checks = (
            item.status != "archived" or self.include_archived,
            not self.status or item.status == self.status,
            self.ids is None or item.catalog_id in self.ids,
            not self.category or item.category.lower() == self.category.lower(),
            not self.tags or {t.lower() for t in self.tags} <= {t.lower() for t in item.tags},
            self.featured is None or bool(item.is_featured) == self.featured,
            self.official is None or bool(item.is_official) == self.official,
            self.verified is None or bool(item.is_verified) == self.verified,
            not self.provider or item.provider == self.provider,
        )
        return all(checks)


@dataclass
class Page:
    items: list[CatalogItem]
    total: int
    trending: dict[str, int] = field(default_factory=dict)  # id → installs and downloads in the window


def items_of(kinds: Iterable[str]) -> list[CatalogItem]:
    found: list[CatalogItem] = []
    for kind in dict.fromkeys(kinds):
        found.extend(catalog_data.of_kind(kind))
    return found


def average(item: CatalogItem) -> float:
    count = int(item.rating_count or 0)
    return round(float(item.rating_sum or 0) / count, 2) if count else 0.0


def bayesian(rating_sum: float, rating_count: int) -> float:
    """The score items are ranked by: the average pulled towards 3 by 5 virtual ratings, so one 5-star rating
    does not outrank a hundred 4.8s."""
    return round((BAYES_PRIOR_MEAN * BAYES_PRIOR_WEIGHT + rating_sum) / (BAYES_PRIOR_WEIGHT + rating_count), 4)


def sort_items(items: list[CatalogItem], sort: str, *, trending: dict[str, int] | None = None,
               descending: bool = True) -> list[CatalogItem]:
    trending = trending or {}
    keys = {
        "popular": lambda i: (int(i.install_count or 0), int(i.download_count or 0), i.name_en.lower()),
        "newest": lambda i: (int(i.created_ms), i.catalog_id),
        "updated": lambda i: (int(i.updated_ms), i.catalog_id),
        "rating": lambda i: (float(i.rating_score or 0), int(i.rating_count or 0)),
        "trending": lambda i: (trending.get(i.catalog_id, 0), int(i.install_count or 0)),
        "downloads": lambda i: (int(i.download_count or 0), int(i.install_count or 0)),
        "installs": lambda i: (int(i.install_count or 0), int(i.download_count or 0)),
    }
    if sort == "name":
        return sorted(items, key=lambda i: (i.name_en.lower(), i.catalog_id), reverse=not descending)
    return sorted(items, key=keys.get(sort, keys["popular"]), reverse=descending)


def listing(filters: Filters, *, sort: str = "popular", offset: int = 0, limit: int = 20, descending: bool = True,
            trending: dict[str, int] | None = None) -> Page:
    """One page of the kinds' items that pass the filters, in the sort's order, and how many pass."""
    kept = [item for item in items_of(filters.kinds) if filters.keep(item)]
    ordered = sort_items(kept, sort, trending=trending, descending=descending)
    return Page(items=ordered[offset:offset + limit], total=len(kept), trending=trending or {})


def categories(kinds: Iterable[str]) -> list[dict[str, Any]]:
    """The categories in use with how many items each has, largest first."""
    counts: dict[str, int] = {}
    for item in items_of(kinds):
        if item.status != "archived":
            counts[item.category] = counts.get(item.category, 0) + 1
    return [{"name": name, "id": name, "count": count}
            for name, count in sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))]


# ------------------------------------------------------------------------------------------------ views

def _json(text: str | None, default: Any) -> Any:
    if not text:
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default


def versions(item: CatalogItem) -> list[dict[str, Any]]:
    found = _json(item.versions, [])
    return found if isinstance(found, list) else []


def iso(ms: int | float | None) -> str | None:
    return clock.iso(float(ms) / 1000) if ms is not None else None


def distribution(item: CatalogItem) -> dict[str, int]:
    return {str(n): int(getattr(item, f"rating_{n}") or 0) for n in range(1, 6)}


def item_view(item: CatalogItem, *, trending: dict[str, int] | None = None,
              trending_rank: dict[str, int] | None = None) -> dict[str, Any]:
    """The camelCase view of the public API and API v1 (the v1 skills client's `Skill`, for every kind)."""
    rank = (trending_rank or {}).get(item.catalog_id)
    return {
        "id": item.catalog_id,
        "skillId": item.catalog_id,
        "slug": item.slug,
        "type": item.catalog_kind,
        "name": item.name_en,
        "nameZh": item.name_zh,
        "description": item.description_en,
        "descriptionEn": item.description_en,
        "descriptionZh": item.description_zh,
        "category": item.category,
        "tags": list(item.tags or []),
        "author": item.author,
        "provider": item.provider,
        "version": item.version,
        "repo": _repo_name(item.repo_url),
        "repoUrl": item.repo_url,
        "documentationUrl": item.documentation_url,
        "npmPackage": item.npm_package,
        "stars": int(item.stars or 0),
        "installCount": int(item.install_count or 0),
        "localInstallCount": 0,
        "downloadCount": int(item.download_count or 0),
        "isOfficial": bool(item.is_official),
        "isVerified": bool(item.is_verified),
        "isFeatured": bool(item.is_featured),
        "isTrending": rank is not None,
        "trendingRank": rank,
        "trendingCount": int((trending or {}).get(item.catalog_id, 0)),
        "trigger": item.trigger,
        "aliases": list(item.aliases or []),
        "installCommand": item.install_command,
        "supportedAgents": list(item.supported_agents or []),
        "requirements": list(item.requirements or []),
        "ratingAvg": average(item),
        "ratingCount": int(item.rating_count or 0),
        "searchCount": 0,
        "status": item.status,
        "metadata": {"configSchema": _json(item.config_schema, None), "platforms": list(item.platforms or []),
                     "frameworks": list(item.frameworks or []), "languages": list(item.languages or [])},
        "createdAt": iso(item.created_ms),
        "updatedAt": iso(item.updated_ms),
    }


def _repo_name(url: str | None) -> str | None:
    if not url:
        return None
    match = re.search(r"github\.com/([^/]+/[^/#?]+)", url)
    return match.group(1).removesuffix(".git") if match else None


def template_view(item: CatalogItem) -> dict[str, Any]:
    """API v8's TemplateItem (snake_case)."""
    return {
        "id": item.catalog_id,
        "slug": item.slug,
        "type": item.catalog_kind,
        "name_en": item.name_en,
        "name_zh_cn": item.name_zh or item.name_en,
        "description_en": item.description_en,
        "description_zh_cn": item.description_zh or item.description_en,
        "category": item.category,
        "tags": list(item.tags or []),
        "author": item.author or "",
        "version": item.version,
        "install_command": item.install_command or "",
        "requirements": list(item.requirements or []),
        "compatibility": {"platforms": list(item.platforms or []), "frameworks": list(item.frameworks or []),
                          "languages": list(item.languages or [])},
        "usage_examples": _json(item.usage_examples, []),
        "is_official": bool(item.is_official),
        "is_featured": bool(item.is_featured),
        "is_verified": bool(item.is_verified),
        "download_count": int(item.download_count or 0),
        "install_count": int(item.install_count or 0),
        "rating_average": average(item),
        "rating_count": int(item.rating_count or 0),
        "repository_url": item.repo_url,
        "npm_package": item.npm_package,
        "documentation_url": item.documentation_url,
        "config_schema": _json(item.config_schema, None),
        "status": item.status,
        "created_at": iso(item.created_ms),
        "updated_at": iso(item.updated_ms),
    }


def localized(item: CatalogItem, language: str | None) -> tuple[str, str]:
    """(name, description) in the asked language (zh-CN / zh → Chinese where there is one)."""
    if (language or "").lower().startswith("zh"):
        return item.name_zh or item.name_en, item.description_zh or item.description_en
    return item.name_en, item.description_en


def v1_template_view(item: CatalogItem, language: str | None = None) -> dict[str, Any]:
    """API v1's TemplateResponse (`GET /api/v1/templates/{id}`, batch)."""
    name, description = localized(item, language)
    return {
        "id": item.catalog_id,
        "slug": item.slug,
        "type": item.catalog_kind,
        "name": {"en": item.name_en, "zh-CN": item.name_zh or item.name_en},
        "description": {"en": item.description_en, "zh-CN": item.description_zh or item.description_en},
        "title": name,
        "summary": description,
        "content": item.content or "",
        "version": item.version,
        "author": item.author,
        "tags": list(item.tags or []),
        "category": item.category,
        "installCommand": item.install_command,
        "parameters": _json(item.config_schema, None),
        "createdAt": iso(item.created_ms),
        "updatedAt": iso(item.updated_ms),
    }


def etag(item: CatalogItem, *, variant: str = "") -> str:
    """A strong validator: the item's id, revision and counters a view shows (a new rating changes the view), and
    the view's variant (a language)."""
    import hashlib  # noqa: PLC0415

    counters = (item.revision, item.download_count, item.install_count, item.rating_count, item.rating_sum)
    basis = f"{variant}:{item.catalog_id}:" + ":".join(str(int(n or 0)) for n in counters)
    return '"' + hashlib.sha256(basis.encode()).hexdigest()[:32] + '"'


def etag_matches(header: str | None, tag: str) -> bool:
    """If-None-Match: `*`, or any listed tag equal to ours (weak comparison, as RFC 9110 says for this header)."""
    if not header:
        return False
    wanted = tag.removeprefix("W/")
    for part in header.split(","):
        candidate = part.strip()
        if candidate == "*" or candidate.removeprefix("W/") == wanted:
            return True
    return False
