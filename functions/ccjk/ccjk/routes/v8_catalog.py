"""API v8, the catalogue (V8CatalogFunction): templates of every kind (list, search, featured, popular, trending,
categories, one by id with an ETag, batch, update checks, versions, downloads), the MCP and skill marketplaces,
ratings, search suggestions, recommendations and the installation report.

Envelope: `{code: 200, message, success: true, data}` (the templates clients require `code === 200`; the context
client reads `success`); errors `{code: <status>, message, success: false, error}`. Featured and popular answer
an array as `data` (what the templates client reads); lists answer `{items, total, limit, offset}`.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from ccjk.api import V8_ENVELOPE, VERSION
from ccjk.logic import catalog, downloads, rankings, ratings, recommend, templates, v1_state
from ccjk.logic import search as searching
from ccjk.models.market import CheckUpdates, ProjectSpec, TemplateBatch
from ccjk.models.market_views import (
    Accepted,
    DownloadCounted,
    Health,
    Suggestions,
    TemplateDownload,
    TemplatePage,
    TemplateUpdates,
    TemplateVersions,
    TemplateView,
    V8Batch,
    V8Ratings,
    V8Recommendations,
)
from ccjk.routes import market_common as common
from suite.api import Router
from suite.envelopes import utc_timestamp

router = Router(envelope=V8_ENVELOPE)
ENVELOPE = V8_ENVELOPE
TAGS = ["v8-templates"]
MARKET = ["v8-marketplace"]
Text = Annotated[str | None, Query()]
LIMIT = Annotated[str | None, Query(description="1-100, default 20 (integer; larger is clamped)")]
OFFSET = Annotated[str | None, Query(description="0, 1, ... (integer)")]
TYPE = Annotated[str | None, Query(description="skill, mcp, agent, hook, workflow, output-style, prompt, claude-md "
                                               "(comma-separated; default: all)")]
SORT_BY = {"download_count": "downloads", "rating_average": "rating", "updated_at": "updated", "name_en": "name",
           "install_count": "popular", "created_at": "newest", "trending": "trending"}


def _page(kinds: tuple[str, ...], *, category: str | None, tags: str | None, is_official: str | None,
          is_featured: str | None, is_verified: str | None, sort_by: str | None, order: str | None,
          limit: str | None, offset: str | None, ids: frozenset[str] | None = None) -> dict:
    count = common.number("limit", limit, default=20, minimum=1, maximum=100)
    start = common.number("offset", offset, default=0, minimum=0)
    sort = SORT_BY[common.choice("sortBy", sort_by, tuple(SORT_BY), "download_count")]
    descending = common.choice("order", order, ("asc", "desc"), "asc" if sort == "name" else "desc") == "desc"
    if sort == "name":
        descending = not descending  # catalog sorts names with descending=False meaning A→Z
    wanted_tags = tuple(t.strip().lower() for t in (tags or "").split(",") if t.strip())[:10]
    filters = catalog.Filters(kinds=kinds, category=common.text("category", category, max_length=64),
                              tags=wanted_tags, official=common.flag("is_official", is_official),
                              featured=common.flag("is_featured", is_featured),
                              verified=common.flag("is_verified", is_verified), ids=ids)
    found = rankings.listing(filters, sort=sort, offset=start, limit=count, descending=descending)
    return {"items": [catalog.template_view(i) for i in found.items], "total": found.total, "limit": count,
            "offset": start}


@router.get("/api/v8/health", returns=Health, summary="Health (v8 envelope)", tags=["health"])
def health():
    return ENVELOPE.ok({"status": "ok", "version": VERSION, "timestamp": utc_timestamp()})


@router.get("/api/v8/templates", returns=TemplatePage, errors=(400,),
            summary="Templates: type, category, tags (csv), is_official, is_featured, is_verified, sortBy, order, "
                    "limit (20, <= 100), offset", tags=TAGS)
def list_templates(*, type: TYPE = None, category: Text = None, tags: Text = None, is_official: Text = None,
                   is_featured: Text = None, is_verified: Text = None, sortBy: Text = None, order: Text = None,
                   limit: LIMIT = None, offset: OFFSET = None):
    kinds = common.kinds("type", type, catalog.KINDS)
    return ENVELOPE.ok(_page(kinds, category=category, tags=tags, is_official=is_official, is_featured=is_featured,
                             is_verified=is_verified, sort_by=sortBy, order=order, limit=limit, offset=offset),
                       headers=common.PUBLIC_CACHE)


@router.get("/api/v8/templates/search", returns=TemplatePage, errors=(400,),
            summary="Search templates: query (or q), type, category, tags, limit, offset", tags=TAGS)
def search_templates(*, query: Text = None, q: Text = None, type: TYPE = None, category: Text = None, tags: Text = None,
                     limit: LIMIT = None, offset: OFFSET = None):
    wanted = common.text("query", query or q)
    if not wanted:
        raise common.bad("query", "is required (or q)")
    kinds = common.kinds("type", type, catalog.KINDS)
    count = common.number("limit", limit, default=20, minimum=1, maximum=100)
    start = common.number("offset", offset, default=0, minimum=0)
    found = searching.search(wanted, kinds)
    searching.record(wanted)
    wanted_tags = {t.strip().lower() for t in (tags or "").split(",") if t.strip()}
    chosen = common.text("category", category, max_length=64)
    kept = [i for i in found.items if (not chosen or i.category == chosen.lower()) and wanted_tags <= set(i.tags or [])]
    return ENVELOPE.ok({"items": [catalog.template_view(i) for i in kept[start:start + count]], "total": len(kept),
                        "limit": count, "offset": start, "truncated": found.truncated})


def _top(kinds: tuple[str, ...], limit: str | None, default: int, *, sort: str, featured: bool | None = None):
    count = common.number("limit", limit, default=default, minimum=1, maximum=100)
    found = rankings.listing(catalog.Filters(kinds=kinds, featured=featured), sort=sort, offset=0, limit=count)
    return ENVELOPE.ok([catalog.template_view(i) for i in found.items], headers=common.PUBLIC_CACHE)


@router.get("/api/v8/templates/featured", returns=list[TemplateView], errors=(400,),
            summary="Featured templates (an array)", tags=TAGS)
def featured(limit: LIMIT = None, type: TYPE = None):
    return _top(common.kinds("type", type, catalog.KINDS), limit, 10, sort="popular", featured=True)


@router.get("/api/v8/templates/popular", returns=list[TemplateView], errors=(400,),
            summary="The most downloaded templates (an array)", tags=TAGS)
def popular(limit: LIMIT = None, type: TYPE = None):
    return _top(common.kinds("type", type, catalog.KINDS), limit, 20, sort="downloads")


@router.get("/api/v8/templates/trending", returns=list[TemplateView], errors=(400,),
            summary="Templates trending over the last days (installs and downloads; an array)", tags=TAGS)
def trending(limit: LIMIT = None, type: TYPE = None):
    kinds = common.kinds("type", type, catalog.KINDS)
    count = common.number("limit", limit, default=20, minimum=1, maximum=100)
    return ENVELOPE.ok([catalog.template_view(item) for item, _n in rankings.trending_items(kinds, count)])


@router.get("/api/v8/templates/categories", returns=list[str], errors=(400,),
            summary="The categories in use (an array of names)", tags=TAGS)
def categories(type: TYPE = None):
    kinds = common.kinds("type", type, catalog.KINDS)
    return ENVELOPE.ok([c["name"] for c in catalog.categories(kinds)], headers=common.PUBLIC_CACHE)


@router.post("/api/v8/templates/batch", returns=V8Batch,
             summary="Templates by id (ids or templates, <= 100; any id form); unknown ids in notFound, never a "
                     "400; requestId, templates and notFound also at the top level", tags=TAGS)
def batch(request: TemplateBatch):
    wanted, found = templates.batch(request)
    views = {ref: catalog.template_view(item) for ref, item in found.items()}
    missing = [ref for ref in wanted if ref not in found]
    stats = {"requested": len(wanted), "found": len(views), "notFound": len(missing)} if request.includeStats else None
    return ENVELOPE.ok({"templates": views, "notFound": missing}, requestId=templates.request_id(), templates=views,
                       notFound=missing, stats=stats)


@router.post("/api/v8/templates/check-updates", returns=TemplateUpdates,
             summary="Which installed templates have a newer version ({installed: [{id, version}]})", tags=TAGS)
def check_updates(request: CheckUpdates):
    return ENVELOPE.ok(templates.check_updates(request))


@router.get("/api/v8/templates/<id>", returns=TemplateView, errors=(404,), empty=(304,),
            summary="One template (any id form); ETag, and 304 for a matching If-None-Match", tags=TAGS)
def template(id: str):
    item = catalog.require(id, catalog.KINDS, what="Template", code="TEMPLATE_NOT_FOUND")
    tag = catalog.etag(item)
    headers = {"ETag": tag, "Cache-Control": "public, max-age=0, must-revalidate"}
    if catalog.etag_matches(common.header(router, "If-None-Match"), tag):
        return Response(status_code=304, body=None, headers=headers)
    return ENVELOPE.ok(catalog.template_view(item), headers=headers)


@router.get("/api/v8/templates/<id>/versions", returns=TemplateVersions, errors=(404,),
            summary="A template's versions, newest first", tags=TAGS)
def versions(id: str):
    return ENVELOPE.ok(templates.versions(catalog.require(id, catalog.KINDS, what="Template",
                                                          code="TEMPLATE_NOT_FOUND")))


@router.get("/api/v8/templates/<id>/download", returns=TemplateDownload, errors=(404,),
            summary="A template's content with its SHA-256 checksum (counts a download)", tags=TAGS)
def download(id: str):
    found = downloads.download(id, catalog.KINDS, code="TEMPLATE_NOT_FOUND")
    return ENVELOPE.ok(found, headers={"X-Checksum-SHA256": found["sha256"], "Cache-Control": "no-store"})


@router.post("/api/v8/templates/<id>/download", returns=DownloadCounted, errors=(404,),
             summary="Count a download (the templates client's trackDownload)", tags=TAGS)
def track_download(id: str):
    item = catalog.require(id, catalog.KINDS, what="Template", code="TEMPLATE_NOT_FOUND")
    return ENVELOPE.ok({"id": item.catalog_id, "download_count": downloads.count(item)})


# ------------------------------------------------------------------------------------------------ marketplaces

@router.get("/api/v8/mcp/marketplace", returns=TemplatePage, errors=(400,),
            summary="MCP servers: category, tags, is_official, is_featured, sortBy, order, limit, offset (or page)",
            tags=MARKET)
def mcp_marketplace(*, category: Text = None, tags: Text = None, is_official: Text = None, is_featured: Text = None,
                    sortBy: Text = None, order: Text = None, limit: LIMIT = None, offset: OFFSET = None,
                    page: Text = None):
    return ENVELOPE.ok(_marketplace((catalog.MCP,), category=category, tags=tags, is_official=is_official,
                                    is_featured=is_featured, sort_by=sortBy, order=order, limit=limit, offset=offset,
                                    page=page), headers=common.PUBLIC_CACHE)


@router.get("/api/v8/skills/marketplace", returns=TemplatePage, errors=(400,),
            summary="Skills: category, tags, is_official, is_featured, sortBy, order, limit, offset (or page)",
            tags=MARKET)
def skills_marketplace(*, category: Text = None, tags: Text = None, is_official: Text = None, is_featured: Text = None,
                       sortBy: Text = None, order: Text = None, limit: LIMIT = None, offset: OFFSET = None,
                       page: Text = None):
    return ENVELOPE.ok(_marketplace((catalog.SKILL,), category=category, tags=tags, is_official=is_official,
                                    is_featured=is_featured, sort_by=sortBy, order=order, limit=limit, offset=offset,
                                    page=page), headers=common.PUBLIC_CACHE)


def _marketplace(kinds: tuple[str, ...], *, category: str | None, tags: str | None, is_official: str | None,
                 is_featured: str | None, sort_by: str | None, order: str | None, limit: str | None,
                 offset: str | None, page: str | None) -> dict:
    if page not in (None, "") and offset in (None, ""):
        count = common.number("limit", limit, default=20, minimum=1, maximum=100)
        offset = str((common.number("page", page, default=1, minimum=1) - 1) * count)
    return _page(kinds, category=category, tags=tags, is_official=is_official, is_featured=is_featured,
                 is_verified=None, sort_by=sort_by, order=order, limit=limit, offset=offset)


@router.get("/api/v8/mcp/<id>", returns=TemplateView, errors=(404,), summary="One MCP server (any id form)",
            tags=MARKET)
def mcp_server(id: str):
    item = catalog.require(id, (catalog.MCP,), what="MCP server", code="NOT_FOUND")
    return ENVELOPE.ok(catalog.template_view(item), headers={"ETag": catalog.etag(item)})


@router.get("/api/v8/search/suggestions", returns=Suggestions, errors=(400,),
            summary="Completions of a partial query: q (or query), type, limit (<= 20)", tags=MARKET)
def suggestions(q: Text = None, query: Text = None, type: TYPE = None,
                limit: Annotated[str | None, Query(description="1-20, default 10")] = None):
    kinds = common.kinds("type", type, catalog.KINDS)
    count = common.number("limit", limit, default=10, minimum=1, maximum=20)
    return ENVELOPE.ok({"suggestions": searching.suggestions(common.text("q", q or query) or "", kinds, count)})


@router.post("/api/v8/recommendations/<type>", returns=V8Recommendations, errors=(400,),
             summary="Recommendations of one kind (skills, mcp, agents, hooks...) for a project", tags=MARKET)
def recommendations(type: str, request: ProjectSpec):
    kinds = common.kinds("type", type, ())
    found = recommend.recommend(request, kinds)
    items = [{**catalog.template_view(item), "relevance_score": score, "reasons": [f"matches {t}" for t in matched[:5]]}
             for score, item, matched in found["scored"]]
    return ENVELOPE.ok({"recommendations": items, "total": len(items)})


@router.get("/api/v8/ratings/<type>/<id>", returns=V8Ratings, errors=(400, 404),
            summary="An item's ratings: summary (average, total, distribution 1-5), sortBy (newest, oldest, highest, "
                    "lowest, helpful), limit, offset", tags=MARKET)
def item_ratings(type: str, id: str, *, sortBy: Text = None, limit: LIMIT = None, offset: OFFSET = None):
    kinds = common.kinds("type", type, ())
    count = common.number("limit", limit, default=20, minimum=1, maximum=100)
    start = common.number("offset", offset, default=0, minimum=0)
    item = catalog.require(id, kinds, what="Item", code="NOT_FOUND")
    found, _cut = ratings.ratings_of(item, common.choice("sortBy", sortBy, ratings.SORTS, "newest"), start, count)
    return ENVELOPE.ok({"summary": ratings.v8_summary(item), "ratings": [ratings.v8_view(r) for r in found],
                        "total": int(item.rating_count or 0), "limit": count, "offset": start})


@router.post("/api/v8/telemetry/installation", returns=Accepted, status_code=202,
             summary="Installation report (anonymous; 202 whatever happens)", tags=["v8-telemetry"])
def telemetry_installation():
    from suite import body  # noqa: PLC0415

    answer = v1_state.report("v8-installation", body.raw(router.current_event),
                             device_header=common.header(router, "X-Device-ID"))
    return ENVELOPE.ok(answer, status=202, message="accepted")
