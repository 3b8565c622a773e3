"""Downloads: an item's content with its SHA-256 checksum, counted (the item's `download_count` and the trending
windows, atomic ADDs). An item without stored content downloads as a small JSON manifest of itself, so every
download has bytes and a checksum a client can verify."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from ccjk.logic import catalog, rankings
from ccjk.models.market_entities import CatalogItem
from ccjk.store import catalog as catalog_data
from ccjk.store import rankings as ranking_data
from suite.errors import NotFound

JSON_KINDS = (catalog.MCP, catalog.HOOK)


def content_of(item: CatalogItem) -> str:
    if item.content:
        return item.content
    manifest = {"id": item.catalog_id, "type": item.catalog_kind, "name": item.name_en, "version": item.version,
                "description": item.description_en, "installCommand": item.install_command,
                "repository": item.repo_url, "npmPackage": item.npm_package,
                "config": catalog._json(item.config_schema, None)}
    return json.dumps({k: v for k, v in manifest.items() if v is not None}, ensure_ascii=False, indent=2) + "\n"


def filename_of(item: CatalogItem) -> str:
    return f"{item.slug}.{'json' if item.catalog_kind in JSON_KINDS or not item.content else 'md'}"


def count(item: CatalogItem) -> int:
    """Count one download; the item's download count after it."""
    after = catalog_data.add_counters(item.catalog_id, {"download_count": 1})
    if after is None:
        raise NotFound("Item not found", code="NOT_FOUND")
    rankings.record_activity(item)
    ranking_data.add_stats({"downloads": 1})
    return int(after.get("download_count", 0))


def download(ref: str, kinds: Sequence[str], *, code: str = "NOT_FOUND") -> dict[str, Any]:
    item = catalog.require(ref, kinds, code=code)
    content = content_of(item)
    data = content.encode("utf-8")
    digest = hashlib.sha256(data).hexdigest()
    downloads = count(item)
    return {"id": item.catalog_id, "skillId": item.catalog_id, "type": item.catalog_kind, "name": item.name_en,
            "version": item.version, "filename": filename_of(item), "content": content, "size": len(data),
            "checksum": f"sha256:{digest}", "sha256": digest, "installCommand": item.install_command,
            "downloadCount": downloads, "download_count": downloads}
