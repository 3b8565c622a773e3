"""Admin (AdminFunction): `Authorization: Basic` with the AdminCredentialsSecret's username and password (failed
attempts throttled per address, logic/admin_auth.py). Stats, users, devices, the catalogue (skills, MCP servers,
templates), providers, the ratings queue and feature flags.

Catalogue writes take API v8's field names (`name_en`, `description_zh_cn`, `install_command`, `is_featured`…;
the v1 camelCase names are accepted too) and answer the item as API v8 shows it, with its content, revision and
versions. `/admin/templates` is every kind but skills and MCP servers (agents, hooks, workflows, output styles,
prompts, CLAUDE.md templates: `type` says which). Ids are the one id space's (any id form or the slug).
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query

from ccjk import access
from ccjk.api import MARKET_ENVELOPE
from ccjk.logic import admin, catalog, catalog_admin, feature_flags, ratings
from ccjk.models.market import CatalogFields, FlagsUpdate, NewCatalogItem, NewProvider, ProviderFields
from ccjk.models.market_views import ProviderView, RatingView
from ccjk.models.market_views_admin import (
    AdminDevice,
    AdminItem,
    AdminUser,
    Flags,
    ItemDeleted,
    RatingDeleted,
    Stats,
    UserDeleted,
)
from ccjk.routes import market_common as common
from suite import auth
from suite.api import Router

router = Router(envelope=MARKET_ENVELOPE)
ENVELOPE = MARKET_ENVELOPE
TAGS = ["admin"]
Text = Annotated[str | None, Query()]
PAGE = Annotated[str | None, Query(description="1, 2, ... (integer)")]
LIMIT = Annotated[str | None, Query(description="1-100, default 20 (integer; larger is clamped)")]
SKILLS = (catalog.SKILL,)
MCP = (catalog.MCP,)
TEMPLATES = tuple(k for k in catalog.KINDS if k not in (catalog.SKILL, catalog.MCP))


@router.get("/admin/stats", auth=access.ADMIN, returns=Stats, errors=(429,),
            summary="Users, devices, notifications, installs, downloads, ratings, catalogue sizes", tags=TAGS)
def stats():
    return ENVELOPE.ok(admin.stats())


@router.get("/admin/users", auth=access.ADMIN, returns=list[AdminUser], errors=(400, 429),
            summary="Users, newest first", tags=TAGS)
def users(page: PAGE = None, limit: LIMIT = None):
    paging = common.paging(page, limit)
    found, total = admin.users(paging.offset, paging.limit)
    return ENVELOPE.ok(found, pagination=paging.meta(total))


@router.delete("/admin/users/<id>", auth=access.ADMIN, returns=UserDeleted, errors=(404, 409, 429),
               summary="Delete a user and the devices bound to them", tags=TAGS)
def delete_user(id: str):
    return ENVELOPE.ok(admin.delete_user(id))


@router.get("/admin/devices", auth=access.ADMIN, returns=list[AdminDevice], errors=(400, 429),
            summary="Devices, newest first", tags=TAGS)
def devices(page: PAGE = None, limit: LIMIT = None):
    paging = common.paging(page, limit)
    found, total = admin.devices_page(paging.offset, paging.limit)
    return ENVELOPE.ok(found, pagination=paging.meta(total))


@router.delete("/admin/devices/<id>", auth=access.ADMIN, returns=ItemDeleted, errors=(404, 409, 429),
               summary="Delete a device (its token stops working)", tags=TAGS)
def delete_device(id: str):
    return ENVELOPE.ok(admin.delete_device(id))


@router.get("/admin/feature-flags", auth=access.ADMIN, returns=Flags, errors=(429,),
            summary="The handshake's feature flags: in effect, defaults, overrides", tags=TAGS)
def flags():
    return ENVELOPE.ok(feature_flags.view())


@router.put("/admin/feature-flags", auth=access.ADMIN, returns=Flags, errors=(409, 429),
            summary="Set flags (silentUpgrade, telemetryEnabled, syncInterval, minClientVersion...; null resets)",
            tags=TAGS)
def set_flags(request: FlagsUpdate):
    return ENVELOPE.ok(feature_flags.update(request.flags, updated_by=auth.caller()))


# ------------------------------------------------------------------------------------------------ catalogue

def _items(kinds: tuple[str, ...], *, page: str | None, limit: str | None, search: str | None,
           category: str | None, status: str | None, type_name: str | None = None) -> Any:
    paging = common.paging(page, limit)
    if type_name:
        kinds = tuple(k for k in common.kinds("type", type_name, kinds) if k in kinds) or kinds
    found, total = admin.items(kinds, search_text=common.text("search", search),
                               category=common.text("category", category, max_length=64),
                               status=common.choice("status", status, catalog.STATUSES, "") or None,
                               offset=paging.offset, limit=paging.limit)
    return ENVELOPE.ok(found, pagination=paging.meta(total))


def _create(request: NewCatalogItem, allowed: tuple[str, ...]) -> Any:
    kind = allowed[0] if len(allowed) == 1 else None
    return ENVELOPE.ok(admin.item_view(catalog_admin.create_item(request, kind=kind, allowed=allowed)), status=201)


def _update(ref: str, request: CatalogFields, allowed: tuple[str, ...]) -> Any:
    return ENVELOPE.ok(admin.item_view(catalog_admin.update_item(ref, request, allowed=allowed)))


def _delete(ref: str, allowed: tuple[str, ...]) -> Any:
    item = catalog_admin.delete_item(ref, allowed=allowed)
    return ENVELOPE.ok({"id": item.catalog_id, "deleted": True})


@router.get("/admin/skills", auth=access.ADMIN, returns=list[AdminItem], errors=(400, 429),
            summary="Skills (archived ones too): search, category, status", tags=TAGS)
def list_skills(*, page: PAGE = None, limit: LIMIT = None, search: Text = None, category: Text = None,
                status: Text = None):
    return _items(SKILLS, page=page, limit=limit, search=search, category=category, status=status)


@router.post("/admin/skills", auth=access.ADMIN, returns=AdminItem, status_code=201, errors=(409, 429),
             summary="Add a skill", tags=TAGS)
def create_skill(request: NewCatalogItem):
    return _create(request, SKILLS)


@router.put("/admin/skills/<id>", auth=access.ADMIN, returns=AdminItem, errors=(404, 409, 429),
            summary="Change a skill (the fields sent)", tags=TAGS)
def update_skill(id: str, request: CatalogFields):
    return _update(id, request, SKILLS)


@router.delete("/admin/skills/<id>", auth=access.ADMIN, returns=ItemDeleted, errors=(404, 429),
               summary="Delete a skill", tags=TAGS)
def delete_skill(id: str):
    return _delete(id, SKILLS)


@router.get("/admin/mcp-servers", auth=access.ADMIN, returns=list[AdminItem], errors=(400, 429),
            summary="MCP servers (archived ones too)", tags=TAGS)
def list_mcp(*, page: PAGE = None, limit: LIMIT = None, search: Text = None, category: Text = None,
             status: Text = None):
    return _items(MCP, page=page, limit=limit, search=search, category=category, status=status)


@router.post("/admin/mcp-servers", auth=access.ADMIN, returns=AdminItem, status_code=201, errors=(409, 429),
             summary="Add an MCP server", tags=TAGS)
def create_mcp(request: NewCatalogItem):
    return _create(request, MCP)


@router.put("/admin/mcp-servers/<id>", auth=access.ADMIN, returns=AdminItem, errors=(404, 409, 429),
            summary="Change an MCP server", tags=TAGS)
def update_mcp(id: str, request: CatalogFields):
    return _update(id, request, MCP)


@router.delete("/admin/mcp-servers/<id>", auth=access.ADMIN, returns=ItemDeleted, errors=(404, 429),
               summary="Delete an MCP server", tags=TAGS)
def delete_mcp(id: str):
    return _delete(id, MCP)


@router.get("/admin/templates", auth=access.ADMIN, returns=list[AdminItem], errors=(400, 429),
            summary="Templates: agents, hooks, workflows, output styles, prompts, CLAUDE.md (?type=)", tags=TAGS)
def list_templates(*, page: PAGE = None, limit: LIMIT = None, search: Text = None, category: Text = None,
                   status: Text = None, type: Text = None):
    return _items(TEMPLATES, page=page, limit=limit, search=search, category=category, status=status,
                  type_name=type)


@router.post("/admin/templates", auth=access.ADMIN, returns=AdminItem, status_code=201, errors=(409, 429),
             summary="Add a template (type: agent, hook, workflow, output-style, prompt, claude-md)", tags=TAGS)
def create_template(request: NewCatalogItem):
    return _create(request, TEMPLATES)


@router.put("/admin/templates/<id>", auth=access.ADMIN, returns=AdminItem, errors=(404, 409, 429),
            summary="Change a template", tags=TAGS)
def update_template(id: str, request: CatalogFields):
    return _update(id, request, TEMPLATES)


@router.delete("/admin/templates/<id>", auth=access.ADMIN, returns=ItemDeleted, errors=(404, 429),
               summary="Delete a template", tags=TAGS)
def delete_template(id: str):
    return _delete(id, TEMPLATES)


# ------------------------------------------------------------------------------------------------ providers

@router.get("/admin/providers", auth=access.ADMIN, returns=list[ProviderView], errors=(429,),
            summary="Every provider (users' unverified ones too)", tags=TAGS)
def providers():
    return ENVELOPE.ok([catalog_admin.provider_view(p) for p in catalog_admin.providers()])


@router.post("/admin/providers", auth=access.ADMIN, returns=ProviderView, status_code=201, errors=(409, 429),
             summary="Add a provider", tags=TAGS)
def create_provider(request: NewProvider):
    entry = catalog_admin.create_provider(request, created_by=f"admin:{auth.caller()}", trusted=True)
    return ENVELOPE.ok(catalog_admin.provider_view(entry), status=201)


@router.put("/admin/providers/<id>", auth=access.ADMIN, returns=ProviderView, errors=(404, 429),
            summary="Change a provider (verify it, change its status...)", tags=TAGS)
def update_provider(id: str, request: ProviderFields):
    return ENVELOPE.ok(catalog_admin.provider_view(catalog_admin.update_provider(id, request)))


@router.delete("/admin/providers/<id>", auth=access.ADMIN, returns=ItemDeleted, errors=(404, 429),
               summary="Delete a provider", tags=TAGS)
def delete_provider(id: str):
    catalog_admin.delete_provider(id)
    return ENVELOPE.ok({"id": id.strip().lower(), "deleted": True})


# ------------------------------------------------------------------------------------------------ ratings

@router.get("/admin/ratings", auth=access.ADMIN, returns=list[RatingView], errors=(400, 429),
            summary="The moderation queue: every rating, newest first", tags=TAGS)
def rating_queue(page: PAGE = None, limit: LIMIT = None):
    paging = common.paging(page, limit)
    found, total = admin.rating_queue(paging.offset, paging.limit)
    return ENVELOPE.ok(found, pagination=paging.meta(total))


@router.delete("/admin/ratings/<id>", auth=access.ADMIN, returns=RatingDeleted, errors=(404, 429),
               summary="Remove a rating (and take it out of the item's summary)", tags=TAGS)
def delete_rating(id: str):
    return ENVELOPE.ok(ratings.remove(id))
