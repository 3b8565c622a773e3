"""Templates by id in batches (API v1 and v8) and the v8 template operations that are not plain listings:
update checks and version histories.

Batch: `ids` or `templates` (ids, or objects with an `id`), at most 100; each is resolved in the one id space
(one BatchGetItem for all), the answer keyed by the id as the client sent it, and every id that names nothing
is listed in `notFound` — never a 400 for an unknown id (the original's batch refused the whole request).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from ccjk.logic import catalog
from ccjk.models.market import CheckUpdates, TemplateBatch
from ccjk.models.market_entities import CatalogItem
from suite.errors import BadRequest


def request_id() -> str:
    return f"req_{uuid.uuid4().hex[:20]}"


def wanted_ids(request: TemplateBatch) -> list[str]:
    refs: list[str] = []
    for entry in [*(request.ids or []), *(request.templates or [])]:
        ref = entry.get("id") if isinstance(entry, dict) else entry
        if isinstance(ref, int | float) and not isinstance(ref, bool):
            ref = str(ref)
        if not isinstance(ref, str) or not ref.strip() or len(ref) > 200:
            raise BadRequest("ids: every entry is an id (1-200 characters) or an object with one",
                             code="VALIDATION_ERROR", details={"field": "ids"})
        refs.append(ref.strip())
    refs = list(dict.fromkeys(refs))
    if not refs:
        raise BadRequest("ids (or templates) is required", code="VALIDATION_ERROR", details={"field": "ids"})
    if len(refs) > 100:
        raise BadRequest("at most 100 ids", code="VALIDATION_ERROR", details={"field": "ids"})
    return refs


def batch(request: TemplateBatch) -> tuple[list[str], dict[str, CatalogItem]]:
    """(the ids asked for, in order; {id as asked: item} for those that exist)."""
    refs = wanted_ids(request)
    found = catalog.resolve_many(refs, catalog.KINDS)
    return refs, {ref: item for ref, item in found.items() if item.status != "archived"}


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", version)[:4]) or (0,)


def check_updates(request: CheckUpdates) -> dict[str, Any]:
    refs = [entry.id for entry in request.installed]
    found = catalog.resolve_many(refs, catalog.KINDS)
    updates, current, missing = [], [], []
    for entry in request.installed:
        item = found.get(entry.id)
        if item is None:
            missing.append(entry.id)
            continue
        newer = _version_key(item.version) > _version_key(entry.version)
        if not newer:
            current.append(entry.id)
            continue
        latest = (catalog.versions(item) or [{}])[-1]
        updates.append({"id": item.catalog_id, "current_version": entry.version, "latest_version": item.version,
                        "has_update": True, "changelog": latest.get("changelog") or None,
                        "released_at": latest.get("releasedAt")})
    return {"updates": updates, "upToDate": current, "notFound": missing}


def versions(item: CatalogItem) -> dict[str, Any]:
    history = list(reversed(catalog.versions(item))) or [{"version": item.version, "releasedAt": None,
                                                          "changelog": None}]
    return {"id": item.catalog_id, "latest": item.version,
            "versions": [{"version": v.get("version", ""), "releasedAt": v.get("releasedAt"),
                          "changelog": v.get("changelog") or None} for v in history]}
