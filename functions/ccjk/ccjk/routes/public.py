"""The public API (no sign-in): skills, MCP servers, search, categories and AI tool rankings.

Lists take `limit` (default 20, at most 100; larger is clamped), `page`, `search` (or `q`), `category`,
`featured` and `sort` (popular, newest, updated, rating, trending, name, downloads) and answer the items as
`data` with `pagination` beside it. Items are the same objects, with the same ids, as API v1 and v8 show
(logic/catalog.py: one id space; `{slug}` takes the slug or any id form).
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from ccjk.api import MARKET_ENVELOPE
from ccjk.logic import catalog, rankings, ratings
from ccjk.logic import search as searching
from ccjk.models.market_views import CategoryItems, CategoryView, ItemDetail, ItemView, RankingView, SearchResults
from ccjk.routes import market_common as common
from suite.api import Router

router = Router(envelope=MARKET_ENVELOPE)
TAGS = ["public"]
ENVELOPE = MARKET_ENVELOPE
Text = Annotated[str | None, Query()]
LIMIT = Annotated[str | None, Query(description="1-100, default 20 (integer; larger is clamped)")]
PAGE = Annotated[str | None, Query(description="1, 2, ... (integer)")]
SORT = Annotated[str | None, Query(description="popular (default), newest, updated, rating, trending, name, downloads")]
FEATURED = Annotated[str | None, Query(description="true or false")]


def _list(kinds: tuple[str, ...], *, page: str | None, limit: str | None, search_text: str | None, q: str | None,
          category: str | None, featured: str | None, sort: str | None):
    paging = common.paging(page, limit)
    wanted = common.text("search", search_text or q)
    ids = None
    if wanted:
        ids = frozenset(item.catalog_id for item in searching.search(wanted, kinds).items)
        searching.record(wanted)
    filters = catalog.Filters(kinds=kinds, category=common.text("category", category, max_length=64),
                              featured=common.flag("featured", featured), ids=ids)
    found = rankings.listing(filters, sort=common.choice("sort", sort, catalog.SORTS, "popular"),
                             offset=paging.offset, limit=paging.limit)
    return ENVELOPE.ok(rankings.item_views(found.items, kinds), headers=common.PUBLIC_CACHE,
                       pagination=paging.meta(found.total))


def _detail(ref: str, kinds: tuple[str, ...], what: str):
    item = catalog.require(ref, kinds, what=what, code="SKILL_NOT_FOUND" if kinds == (catalog.SKILL,) else "NOT_FOUND")
    view = rankings.item_views([item], kinds)[0]
    return ENVELOPE.ok({**view, "ratingSummary": ratings.summary(item)}, headers=common.PUBLIC_CACHE)


@router.get("/api/skills", returns=list[ItemView], errors=(400,), summary="Skills", tags=TAGS)
def skills(*, page: PAGE = None, limit: LIMIT = None, search: Text = None, q: Text = None, category: Text = None,
           featured: FEATURED = None, sort: SORT = None):
    return _list((catalog.SKILL,), page=page, limit=limit, search_text=search, q=q, category=category,
                 featured=featured, sort=sort)


@router.get("/api/skills/recommended", returns=list[ItemView], errors=(400,),
            summary="Recommended skills: featured first, then the most installed", tags=TAGS)
def recommended(limit: LIMIT = None):
    count = common.number("limit", limit, default=10, minimum=1, maximum=100)
    found = catalog.listing(catalog.Filters(kinds=(catalog.SKILL,)), sort="popular", limit=catalog.MAX_ITEMS_PER_KIND)
    ordered = sorted(found.items, key=lambda i: not i.is_featured)[:count]
    return ENVELOPE.ok(rankings.item_views(ordered, (catalog.SKILL,)), headers=common.PUBLIC_CACHE)


@router.get("/api/skills/<slug>", returns=ItemDetail, errors=(404,), summary="One skill (slug or id)", tags=TAGS)
def skill(slug: str):
    return _detail(slug, (catalog.SKILL,), "Skill")


@router.get("/api/mcp-servers", returns=list[ItemView], errors=(400,), summary="MCP servers", tags=TAGS)
def mcp_servers(*, page: PAGE = None, limit: LIMIT = None, search: Text = None, q: Text = None, category: Text = None,
                featured: FEATURED = None, sort: SORT = None):
    return _list((catalog.MCP,), page=page, limit=limit, search_text=search, q=q, category=category,
                 featured=featured, sort=sort)


@router.get("/api/mcp-servers/<slug>", returns=ItemDetail, errors=(404,), summary="One MCP server (slug or id)",
            tags=TAGS)
def mcp_server(slug: str):
    return _detail(slug, (catalog.MCP,), "MCP server")


@router.get("/api/search", returns=SearchResults, errors=(400,),
            summary="Search skills, MCP servers and agents (prefix index; see docs/ccjk.md)", tags=TAGS)
def search_all(*, q: Text = None, query: Text = None, search: Text = None,
               type: Annotated[str | None, Query(description="skills, mcp, agents, hooks, templates or all "
                                                               "(default: skills, mcp, agents)")] = None,
               limit: LIMIT = None):
    wanted = common.text("q", q or query or search)
    if not wanted:
        raise common.bad("q", "is required")
    kinds = common.kinds("type", type, (catalog.SKILL, catalog.MCP, catalog.AGENT))
    count = common.number("limit", limit, default=20, minimum=1, maximum=100)
    found = searching.search(wanted, kinds)
    searching.record(wanted)
    return ENVELOPE.ok({"query": wanted, "types": list(kinds), "total": len(found.items),
                        "truncated": found.truncated, "results": rankings.item_views(found.items[:count], kinds)})


@router.get("/api/categories", returns=list[CategoryView], errors=(400,),
            summary="Categories in use, with how many items each has", tags=TAGS)
def categories(type: Annotated[str | None, Query(description="skills (default), mcp, agents, ... or all")] = None):
    kinds = common.kinds("type", type, (catalog.SKILL,))
    return ENVELOPE.ok(catalog.categories(kinds), headers=common.PUBLIC_CACHE)


@router.get("/api/categories/<category>", returns=CategoryItems, errors=(400,),
            summary="The items of one category", tags=TAGS)
def category_items(category: str, type: Annotated[str | None, Query()] = None, limit: LIMIT = None,
                   page: PAGE = None, sort: SORT = None):
    kinds = common.kinds("type", type, (catalog.SKILL,))
    paging = common.paging(page, limit)
    name = category.strip().lower()[:64]
    found = rankings.listing(catalog.Filters(kinds=kinds, category=name),
                             sort=common.choice("sort", sort, catalog.SORTS, "popular"), offset=paging.offset,
                             limit=paging.limit)
    return ENVELOPE.ok({"category": name, "total": found.total, "items": rankings.item_views(found.items, kinds)},
                       headers=common.PUBLIC_CACHE, pagination=paging.meta(found.total))


@router.get("/api/rankings", returns=RankingView, errors=(400,),
            summary="AI tool rankings: by installs, rating, or trending over the last days (see docs/ccjk.md)",
            tags=TAGS)
def rankings_route(dimension: Annotated[str | None, Query(description="installs (default), rating, trending")] = None,
                   type: Annotated[str | None, Query(description="skills (default), mcp, agents, hooks, ... or "
                                                               "all")] = None,
                   limit: LIMIT = None):
    chosen = common.choice("dimension", dimension, rankings.DIMENSIONS, "installs")
    kinds = common.kinds("type", type, (catalog.SKILL,))
    count = common.number("limit", limit, default=20, minimum=1, maximum=100)
    return ENVELOPE.ok(rankings.ranking(chosen, kinds, count), headers=common.PUBLIC_CACHE)
