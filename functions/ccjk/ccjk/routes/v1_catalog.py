"""API v1, the catalogue reads (CatalogFunction): skills and their marketplace, search, suggestions and trending,
agents, hooks, CLAUDE.md templates, providers, templates by id and in batches, and recommendations from a
project's description.

Envelope: `{success, data}` with an object's fields also at the top level (the v1 setup and marketplace clients
read them there); errors `{success:false, error, message, code}`. Every `{id}` takes any id form or the slug.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from ccjk import access
from ccjk.api import MARKET_ENVELOPE, VERSION
from ccjk.logic import catalog, catalog_admin, installs, rankings, ratings, recommend, templates
from ccjk.logic import search as searching
from ccjk.models.market import ProjectSpec, TemplateBatch
from ccjk.models.market_views import (
    CategoryView,
    Health,
    ItemDetail,
    ItemView,
    Marketplace,
    ProviderList,
    ProviderView,
    Recommendations,
    SkillList,
    SkillSearch,
    Suggestions,
    Trending,
    UserRecommendations,
    V1Template,
    V1TemplateBatch,
)
from ccjk.routes import market_common as common
from suite import auth
from suite.api import Router
from suite.envelopes import utc_timestamp

router = Router(envelope=MARKET_ENVELOPE)
ENVELOPE = MARKET_ENVELOPE
SKILLS = ["v1-skills"]
CATALOG = ["v1-catalog"]
Text = Annotated[str | None, Query()]
LIMIT = Annotated[str | None, Query(description="1-100, default 20 (integer; larger is clamped)")]
PAGE = Annotated[str | None, Query(description="1, 2, ... (integer)")]
SORT = Annotated[str | None, Query(description="popular (default), newest, updated, rating, trending, name, downloads")]
AGENTS = (catalog.AGENT,)
HOOKS = (catalog.HOOK,)
SKILL = (catalog.SKILL,)


def _list(kinds: tuple[str, ...], *, page: str | None, limit: str | None, wanted: str | None, category: str | None,
          sort: str | None, featured: str | None = None, provider: str | None = None, official: str | None = None,
          community: bool = False):
    paging = common.paging(page, limit)
    text = common.text("search", wanted)
    ids = frozenset(i.catalog_id for i in searching.search(text, kinds).items) if text else None
    filters = catalog.Filters(kinds=kinds, category=common.text("category", category, max_length=64), ids=ids,
                              featured=common.flag("featured", featured), official=common.flag("isOfficial", official),
                              provider=common.choice("provider", provider, catalog.PROVIDERS, "") or None)
    found = rankings.listing(filters, sort=common.choice("sort", sort, catalog.SORTS, "popular"),
                             offset=paging.offset, limit=paging.limit)
    items = found.items
    if community:
        items = [i for i in items if i.provider in ("community", "third-party")]
    return ENVELOPE.ok(rankings.item_views(items, kinds), headers=common.PUBLIC_CACHE,
                       pagination=paging.meta(found.total))


def _detail(ref: str, kinds: tuple[str, ...], what: str, code: str = "NOT_FOUND"):
    item = catalog.require(ref, kinds, what=what, code=code)
    return ENVELOPE.ok({**rankings.item_views([item], kinds)[0], "ratingSummary": ratings.summary(item)},
                       headers=common.PUBLIC_CACHE)


@router.get("/api/v1/health", summary="Health (API v1 clients fall back to it)", tags=["health"])
def health() -> Health:
    return Health(status="healthy", version=VERSION, timestamp=utc_timestamp())


# ------------------------------------------------------------------------------------------------ skills

@router.get("/api/v1/skills", returns=list[ItemView], errors=(400,), summary="Skills", tags=SKILLS)
def skills(*, page: PAGE = None, limit: LIMIT = None, search: Text = None, q: Text = None, category: Text = None,
           featured: Text = None, sort: SORT = None, provider: Text = None):
    return _list(SKILL, page=page, limit=limit, wanted=search or q, category=category, sort=sort, featured=featured,
                 provider=provider)


@router.get("/api/v1/skills/marketplace", returns=Marketplace, errors=(400,),
            summary="The skills marketplace: page, limit (<= 100), category, provider, sort, isOfficial, isTrending",
            tags=SKILLS)
def marketplace(*, page: PAGE = None, limit: LIMIT = None, category: Text = None, provider: Text = None,
                sort: SORT = None, isOfficial: Text = None, isTrending: Text = None):
    paging = common.paging(page, limit)
    trending_only = common.flag("isTrending", isTrending)
    counts, ranks = rankings.trending_ranks(SKILL)
    ids = frozenset(ranks) if trending_only else None
    filters = catalog.Filters(kinds=SKILL, category=common.text("category", category, max_length=64), ids=ids,
                              official=common.flag("isOfficial", isOfficial),
                              provider=common.choice("provider", provider, catalog.PROVIDERS, "") or None)
    found = rankings.listing(filters, sort=common.choice("sort", sort, catalog.SORTS, "popular"),
                             offset=paging.offset, limit=paging.limit)
    views = [catalog.item_view(i, trending=counts, trending_rank=ranks) for i in found.items]
    filters_view = {"categories": [c["name"] for c in catalog.categories(SKILL)], "providers": list(catalog.PROVIDERS),
                    "sortOptions": list(catalog.SORTS)}
    return ENVELOPE.ok({"skills": views, "pagination": paging.meta(found.total), "filters": filters_view},
                       headers=common.PUBLIC_CACHE)


@router.get("/api/v1/skills/popular", returns=SkillList, errors=(400,), summary="The most installed skills",
            tags=SKILLS)
def popular(limit: LIMIT = None):
    count = common.number("limit", limit, default=20, minimum=1, maximum=100)
    found = catalog.listing(catalog.Filters(kinds=SKILL), sort="popular", limit=count)
    return ENVELOPE.ok({"skills": rankings.item_views(found.items, SKILL), "total": len(found.items)},
                       headers=common.PUBLIC_CACHE)


@router.get("/api/v1/skills/categories", returns=list[CategoryView], summary="Skill categories in use", tags=SKILLS)
def skill_categories():
    return ENVELOPE.ok(catalog.categories(SKILL), headers=common.PUBLIC_CACHE)


@router.get("/api/v1/skills/search", returns=SkillSearch, errors=(400,),
            summary="Search skills: q (or query), category, provider, limit (<= 50), offset", tags=SKILLS)
def skill_search(*, q: Text = None, query: Text = None, category: Text = None, provider: Text = None,
                 limit: Annotated[str | None, Query(description="1-50, default 20")] = None,
                 offset: Annotated[str | None, Query(description="0, 1, ... (integer)")] = None):
    wanted = common.text("q", q or query)
    if not wanted:
        raise common.bad("q", "is required")
    count = common.number("limit", limit, default=20, minimum=1, maximum=50)
    start = common.number("offset", offset, default=0, minimum=0)
    found = searching.search(wanted, SKILL)
    chosen_provider = common.choice("provider", provider, catalog.PROVIDERS, "") or None
    category_name = common.text("category", category, max_length=64)
    kept = [i for i in found.items if (not category_name or i.category == category_name.lower())
            and (not chosen_provider or i.provider == chosen_provider)]
    searching.record(wanted)
    return ENVELOPE.ok({"results": rankings.item_views(kept[start:start + count], SKILL), "total": len(kept),
                        "query": wanted, "truncated": found.truncated})


@router.get("/api/v1/skills/search/suggestions", returns=Suggestions, errors=(400,),
            summary="Completions of a partial query (<= 20)", tags=SKILLS)
def suggestions(q: Text = None, query: Text = None,
                limit: Annotated[str | None, Query(description="1-20, default 10")] = None):
    count = common.number("limit", limit, default=10, minimum=1, maximum=20)
    wanted = common.text("q", q or query) or ""
    return ENVELOPE.ok({"suggestions": searching.suggestions(wanted, SKILL, count)})


@router.get("/api/v1/skills/search/trending", returns=Trending, errors=(400,),
            summary="Trending skills (installs and downloads of the last days) and trending search terms",
            tags=SKILLS)
def trending(limit: Annotated[str | None, Query(description="1-50, default 10")] = None):
    count = common.number("limit", limit, default=10, minimum=1, maximum=50)
    items = [item for item, _count in rankings.trending_items(SKILL, count)]
    return ENVELOPE.ok({"trending": rankings.item_views(items, SKILL), "keywords": searching.trending_terms(count)})


@router.get("/api/v1/skills/user/recommendations", auth=access.USER_IF_PRESENT, returns=UserRecommendations,
            errors=(400,), summary="Skills to try: popular ones (signed in: in your categories, without yours)",
            tags=SKILLS)
def user_recommendations(limit: LIMIT = None, excludeInstalled: Text = None):
    count = common.number("limit", limit, default=10, minimum=1, maximum=100)
    exclude = common.flag("excludeInstalled", excludeInstalled)
    found = installs.recommendations(auth.caller(), SKILL, count, exclude_installed=exclude is not False)
    return ENVELOPE.ok({"recommendations": rankings.item_views(found["items"], SKILL), "total": len(found["items"]),
                        "basedOn": found["basedOn"]})


@router.post("/api/v1/skills/recommendations", returns=Recommendations, summary="Skills for a project",
             tags=SKILLS)
def skill_recommendations(request: ProjectSpec):
    return ENVELOPE.ok(recommend.answer(request, SKILL))


@router.get("/api/v1/skills/<id>", returns=ItemDetail, errors=(404,), summary="One skill (any id form or slug)",
            tags=SKILLS)
def skill(id: str):
    return _detail(id, SKILL, "Skill", "SKILL_NOT_FOUND")


# ------------------------------------------------------------------------------------------------ other kinds

@router.get("/api/v1/agents", returns=list[ItemView], errors=(400,), summary="Agents", tags=CATALOG)
def agents(*, page: PAGE = None, limit: LIMIT = None, search: Text = None, q: Text = None, category: Text = None,
           sort: SORT = None):
    return _list(AGENTS, page=page, limit=limit, wanted=search or q, category=category, sort=sort)


@router.get("/api/v1/agents/<slug>", returns=ItemDetail, errors=(404,), summary="One agent", tags=CATALOG)
def agent(slug: str):
    return _detail(slug, AGENTS, "Agent")


@router.get("/api/v1/hooks", returns=list[ItemView], errors=(400,), summary="Hooks", tags=CATALOG)
def hooks(*, page: PAGE = None, limit: LIMIT = None, search: Text = None, q: Text = None, category: Text = None,
          sort: SORT = None):
    return _list(HOOKS, page=page, limit=limit, wanted=search or q, category=category, sort=sort)


@router.get("/api/v1/hooks/community", returns=list[ItemView], errors=(400,),
            summary="Hooks from the community (not official)", tags=CATALOG)
def community_hooks(page: PAGE = None, limit: LIMIT = None, sort: SORT = None):
    paging = common.paging(page, limit)
    filters = catalog.Filters(kinds=HOOKS, official=False)
    found = rankings.listing(filters, sort=common.choice("sort", sort, catalog.SORTS, "popular"),
                             offset=paging.offset, limit=paging.limit)
    return ENVELOPE.ok(rankings.item_views(found.items, HOOKS), headers=common.PUBLIC_CACHE,
                       pagination=paging.meta(found.total))


@router.post("/api/v1/hooks/recommendations", returns=Recommendations, summary="Hooks for a project", tags=CATALOG)
def hook_recommendations(request: ProjectSpec):
    return ENVELOPE.ok(recommend.answer(request, HOOKS))


@router.get("/api/v1/hooks/<id>", returns=ItemDetail, errors=(404,), summary="One hook", tags=CATALOG)
def hook(id: str):
    return _detail(id, HOOKS, "Hook")


@router.get("/api/v1/claude-md/templates", returns=list[V1Template], errors=(400,),
            summary="CLAUDE.md templates (with their content)", tags=CATALOG)
def claude_md_templates(*, category: Text = None, language: Text = None, limit: LIMIT = None, page: PAGE = None):
    paging = common.paging(page, limit)
    filters = catalog.Filters(kinds=("claude-md",), category=common.text("category", category, max_length=64))
    found = catalog.listing(filters, sort="popular", offset=paging.offset, limit=paging.limit)
    views = [catalog.v1_template_view(i, common.text("language", language, max_length=16)) for i in found.items]
    return ENVELOPE.ok(views, headers=common.PUBLIC_CACHE, pagination=paging.meta(found.total))


@router.post("/api/v1/specs", returns=Recommendations,
             summary="Project analysis: skills, MCP servers, agents and hooks for a project, with relevance 0-1",
             tags=CATALOG)
def specs(request: ProjectSpec):
    return ENVELOPE.ok(recommend.answer(request, (catalog.SKILL, catalog.MCP, catalog.AGENT, catalog.HOOK)))


# ------------------------------------------------------------------------------------------------ templates

@router.get("/api/v1/templates/<id>", returns=V1Template, errors=(404,), empty=(304,),
            summary="A template (any kind) by any id form; ?language=zh-CN localises title and summary; ETag, and "
                    "304 for a matching If-None-Match", tags=CATALOG)
def template(id: str, language: Text = None):
    item = catalog.require(id, catalog.KINDS, what="Template", code="TEMPLATE_NOT_FOUND")
    wanted = common.text("language", language, max_length=16)
    tag = catalog.etag(item, variant=wanted or "")
    headers = {"ETag": tag, "Cache-Control": "public, max-age=0, must-revalidate"}
    if catalog.etag_matches(common.header(router, "If-None-Match"), tag):
        return Response(status_code=304, body=None, headers=headers)
    return ENVELOPE.ok(catalog.v1_template_view(item, wanted), headers=headers)


@router.post("/api/v1/templates/batch", returns=V1TemplateBatch,
             summary="Templates by id (ids or templates, <= 100): unknown ids are listed in notFound, never a 400",
             tags=CATALOG)
def template_batch(request: TemplateBatch):
    wanted, found = templates.batch(request)
    views = {ref: catalog.v1_template_view(item, request.language) for ref, item in found.items()}
    missing = [ref for ref in wanted if ref not in found]
    return ENVELOPE.ok({"requestId": templates.request_id(), "templates": views, "notFound": missing,
                        "missing": missing})


# ------------------------------------------------------------------------------------------------ providers

@router.get("/api/v1/providers", returns=ProviderList, errors=(400,),
            summary="API providers: category (official, relay, domestic, custom), verified, limit", tags=CATALOG)
def providers(category: Text = None, verified: Text = None, limit: LIMIT = None):
    count = common.number("limit", limit, default=100, minimum=1, maximum=100)
    found = catalog_admin.providers(
        category=common.choice("category", category, ("official", "relay", "domestic", "custom"), "") or None,
        verified=common.flag("verified", verified))
    return ENVELOPE.ok({"providers": [catalog_admin.provider_view(p) for p in found[:count]], "total": len(found)},
                       headers=common.PUBLIC_CACHE)


@router.get("/api/v1/providers/<id>", returns=ProviderView, errors=(404,), summary="One provider by shortcode",
            tags=CATALOG)
def provider(id: str):
    return ENVELOPE.ok(catalog_admin.provider_view(catalog_admin.require_provider(id)), headers=common.PUBLIC_CACHE)
