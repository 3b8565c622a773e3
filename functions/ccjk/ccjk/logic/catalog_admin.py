"""Writing the catalogue: creating, changing and deleting items and providers (admin routes, user uploads, the
seed command), keeping the search index in step.

An item's id is `<prefix>_<slug>` and never changes (nor does its slug). A change is conditional on the revision
that was read (two admins editing at once: the second gets 409 and re-reads). The index entries are written after
the item: a failure between leaves an item that search does not find until its next change (the item itself is
complete); an index entry whose item is gone is dropped by the search when it reads the items.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from typing import Any

from ccjk import clock
from ccjk.logic import catalog, search
from ccjk.models.market import CatalogFields, NewCatalogItem, NewProvider, ProviderFields
from ccjk.models.market_entities import CatalogItem, Provider
from ccjk.store import catalog as catalog_data
from ccjk.store.market import ITEM_SK, item_pk
from suite.errors import BadRequest, Conflict, NotFound

MAX_JSON_FIELD = 64 * 1024
SHORTCODE_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-")


def _bad(field: str, message: str) -> BadRequest:
    return BadRequest(f"{field}: {message}", code="VALIDATION_ERROR", details={"field": field})


def _json_text(field: str, value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if len(text.encode()) > MAX_JSON_FIELD:
        raise _bad(field, "at most 64 KB of JSON")
    return text


def _clean_list(field: str, values: Sequence[str], *, max_length: int = 100) -> list[str]:
    cleaned = []
    for value in values:
        text = str(value).strip()
        if not text or len(text) > max_length:
            raise _bad(field, f"entries are 1-{max_length} characters")
        if text not in cleaned:
            cleaned.append(text)
    return cleaned


def _url(field: str, value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    from suite.outbound import UnsafeUrlError, UrlPolicy, validate_url  # noqa: PLC0415 (only writes pay for it)

    try:
        return validate_url(value.strip(), UrlPolicy()).url
    except UnsafeUrlError:
        raise _bad(field, "must be a public https URL") from None


SIMPLE = {"name_en": "name_en", "name_zh_cn": "name_zh", "description_en": "description_en",
          "description_zh_cn": "description_zh", "author": "author", "provider": "provider", "version": "version",
          "install_command": "install_command", "trigger": "trigger", "status": "status",
          "is_official": "is_official", "is_featured": "is_featured", "is_verified": "is_verified", "stars": "stars",
          "npm_package": "npm_package", "content": "content"}
ALWAYS_SET = ("provider", "version", "status", "is_official", "is_featured", "is_verified", "stars")
LISTS = {"tags": "tags", "requirements": "requirements", "aliases": "aliases", "supported_agents": "supported_agents"}


def _simple(fields: CatalogFields, given: set[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, attribute in SIMPLE.items():
        if name in given:
            value = getattr(fields, name)
            if isinstance(value, str):
                value = value if name == "content" else value.strip()  # content is delivered byte for byte
            found[attribute] = value if value != "" else None
    if "name_en" in found and found["name_en"] is None:
        raise _bad("name_en", "must not be blank")
    if "description_en" in found and found["description_en"] is None:
        found["description_en"] = ""
    for name in ALWAYS_SET:  # these always have a value: null keeps the current one
        if name in found and found[name] is None:
            del found[name]
    return found


def _structured(fields: CatalogFields, given: set[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if "category" in given and fields.category is not None:
        category = fields.category.strip().lower()
        if not category:
            raise _bad("category", "must not be blank")
        found["category"] = category
    for name, attribute in LISTS.items():
        if name in given:
            found[attribute] = _clean_list(name, getattr(fields, name) or [], max_length=40 if name == "tags" else 100)
    if "tags" in found:
        found["tags"] = list(dict.fromkeys(t.lower() for t in found["tags"]))
    if "compatibility" in given:
        compatibility = fields.compatibility
        for name in ("platforms", "frameworks", "languages"):
            found[name] = _clean_list(f"compatibility.{name}", getattr(compatibility, name) if compatibility else [])
    if "usage_examples" in given:
        found["usage_examples"] = _json_text("usage_examples", fields.usage_examples or [])
    if "config_schema" in given:
        found["config_schema"] = _json_text("config_schema", fields.config_schema) if fields.config_schema else None
    if "repository_url" in given:
        found["repo_url"] = _url("repository_url", fields.repository_url)
    if "documentation_url" in given:
        found["documentation_url"] = _url("documentation_url", fields.documentation_url)
    return found


def attributes(fields: CatalogFields) -> dict[str, Any]:
    """The model attributes the request names (None values remove optional attributes)."""
    given = set(fields.model_fields_set)
    return {**_simple(fields, given), **_structured(fields, given)}


def _prepared(fields: NewCatalogItem, kind: str | None, allowed: Sequence[str]) -> tuple[str, dict[str, Any], str,
                                                                                     bool]:
    """(kind, attribute values, slug, whether the slug was given) of a new item's request."""
    kind = kind or catalog.kind_of(fields.type)
    if kind is None or kind not in allowed:
        raise _bad("type", f"must be one of {', '.join(allowed)}")
    values = attributes(fields)
    explicit = fields.slug is not None
    slug = (fields.slug or "").strip().lower() if explicit else catalog.slugify(values["name_en"])
    if explicit and not catalog.valid_slug(slug):
        raise _bad("slug", "lower-case letters, digits, '.', '_' and '-', 1-64 characters, starting with a letter "
                           "or digit")
    return kind, values, slug or f"{kind}-{clock.iso()[:10]}", explicit


def _built(kind: str, slug: str, values: dict[str, Any], *, created_by: str | None, now_ms: int) -> CatalogItem:
    """The item as it is first stored, filed under its search prefixes (`search_keys`)."""
    item_id = catalog.new_id(kind, slug)
    version = values.get("version") or "1.0.0"
    item = CatalogItem(item_pk(item_id), ITEM_SK, catalog_kind=kind, catalog_id=item_id, slug=slug,
                       created_ms=now_ms, updated_ms=now_ms, created_by=created_by,
                       versions=json.dumps([{"version": version, "releasedAt": clock.iso(now_ms / 1000),
                                             "changelog": "First release"}]),
                       **{k: v for k, v in values.items() if v is not None})
    item.search_keys = sorted(search.index_keys(item))
    return item


def create_item(fields: NewCatalogItem, *, kind: str | None = None, allowed: Sequence[str] = catalog.KINDS,
                created_by: str | None = None) -> CatalogItem:
    """A new item (the slug from the name when not given; a taken derived slug gets a suffix); a kind holds at
    most MAX_ITEMS_PER_KIND (one COUNT Query)."""
    kind, values, slug, explicit = _prepared(fields, kind, allowed)
    if catalog_data.count_of_kind(kind) >= catalog.MAX_ITEMS_PER_KIND:
        raise Conflict(f"The catalogue holds at most {catalog.MAX_ITEMS_PER_KIND} items of a kind",
                       code="CATALOG_FULL")
    now_ms = int(clock.now() * 1000)
    for attempt in range(5):
        item = _built(kind, slug if attempt == 0 else f"{slug[:58]}-{attempt + 1}", values, created_by=created_by,
                      now_ms=now_ms)
        try:
            catalog_data.create(item)
        except catalog_data.AlreadyExists:
            if explicit:
                raise Conflict("An item with this slug exists", code="SLUG_TAKEN",
                               details={"id": item.catalog_id}) from None
            continue
        catalog_data.write_entries(kind, item.catalog_id, search.index_keys(item))
        return item
    raise Conflict("An item with this slug exists", code="SLUG_TAKEN")


def update_item(ref: str, fields: CatalogFields, *, allowed: Sequence[str] = catalog.KINDS) -> CatalogItem:
    item = catalog.resolve(ref, allowed)
    if item is None:
        raise NotFound("Item not found", code="NOT_FOUND")
    values = attributes(fields)
    if fields.type is not None and catalog.kind_of(fields.type) != item.catalog_kind:
        raise _bad("type", "an item's kind cannot change")
    if fields.slug is not None and fields.slug.strip().lower() != item.slug:
        raise _bad("slug", "an item's slug cannot change (its id is made of it)")
    now_ms = int(clock.now() * 1000)
    if "version" in values and values["version"] != item.version:
        history = [*catalog.versions(item), {"version": values["version"], "releasedAt": clock.iso(now_ms / 1000),
                                             "changelog": ""}]
        values["versions"] = json.dumps(history[-50:])
    previous_keys = list(item.search_keys or [])
    revision = int(item.revision)
    try:
        catalog_data.update(item, values, expected_revision=revision, now_ms=now_ms)
    except catalog_data.Stale:
        raise Conflict("The item changed meanwhile; read it again", code="CONFLICT") from None
    fresh = catalog_data.get(item.catalog_id)
    if fresh is None:
        raise NotFound("Item not found", code="NOT_FOUND")
    keys = search.reindex(fresh, previous_keys)
    if keys != sorted(previous_keys):
        with contextlib.suppress(catalog_data.Stale):  # a newer change re-indexed it
            catalog_data.update(fresh, {"search_keys": keys}, expected_revision=int(fresh.revision), now_ms=now_ms)
    return catalog_data.get(item.catalog_id) or fresh


def delete_item(ref: str, *, allowed: Sequence[str] = catalog.KINDS) -> CatalogItem:
    item = catalog.resolve(ref, allowed)
    if item is None:
        raise NotFound("Item not found", code="NOT_FOUND")
    try:
        catalog_data.delete(item)
    except catalog_data.Stale:
        raise NotFound("Item not found", code="NOT_FOUND") from None
    search.unindex(item)
    from ccjk.store import rankings as ranking_data  # noqa: PLC0415
    from ccjk.store import ratings as rating_data  # noqa: PLC0415

    removed = rating_data.purge_item(item.catalog_id)
    if removed:
        ranking_data.add_stats({"ratings": -removed})
    return item


# ------------------------------------------------------------------------------------------------ providers

def provider_view(entry: Provider) -> dict[str, Any]:
    return {"id": entry.catalog_id, "shortcode": entry.catalog_id, "name": entry.name, "apiUrl": entry.api_url,
            "description": entry.description, "models": list(entry.models or []), "verified": bool(entry.verified),
            "category": entry.category, "status": entry.status, "createdBy": entry.created_by,
            "createdAt": catalog.iso(entry.created_ms), "updatedAt": catalog.iso(entry.updated_ms)}


def _provider_values(fields: ProviderFields) -> dict[str, Any]:
    given = fields.model_fields_set
    values: dict[str, Any] = {}
    if "name" in given and fields.name is not None:
        values["name"] = fields.name.strip() or None
        if values["name"] is None:
            raise _bad("name", "must not be blank")
    if "apiUrl" in given and fields.apiUrl is not None:
        values["api_url"] = _url("apiUrl", fields.apiUrl)
        if values["api_url"] is None:
            raise _bad("apiUrl", "must be a public https URL")
    if "description" in given:
        values["description"] = (fields.description or "").strip() or None
    if "models" in given:
        values["models"] = _clean_list("models", fields.models or [])
    for name in ("verified", "category", "status"):
        if name in given and getattr(fields, name) is not None:
            values[name] = getattr(fields, name)
    return values


def create_provider(fields: NewProvider, *, created_by: str | None, trusted: bool) -> Provider:
    """A provider; users' providers (not `trusted`) are custom and unverified whatever they send."""
    shortcode = fields.shortcode.strip().lower()
    if not shortcode or not set(shortcode) <= SHORTCODE_CHARS:
        raise _bad("shortcode", "lower-case letters, digits and '-'")
    values = _provider_values(fields)
    if not trusted:
        values.update(verified=False, category="custom", status="testing")
    now_ms = int(clock.now() * 1000)
    entry = Provider(catalog_data.provider_pk(shortcode), catalog_data.PROVIDER_SK, catalog_id=shortcode,
                     created_by=created_by, created_ms=now_ms, updated_ms=now_ms,
                     **{k: v for k, v in values.items() if v is not None})
    try:
        catalog_data.create_provider(entry)
    except catalog_data.AlreadyExists:
        raise Conflict("A provider with this shortcode exists", code="PROVIDER_EXISTS") from None
    return entry


def update_provider(shortcode: str, fields: ProviderFields) -> Provider:
    entry = catalog_data.provider(shortcode.strip().lower())
    if entry is None:
        raise NotFound("Provider not found", code="PROVIDER_NOT_FOUND")
    try:
        return catalog_data.update_provider(entry, _provider_values(fields), now_ms=int(clock.now() * 1000))
    except catalog_data.Stale:
        raise NotFound("Provider not found", code="PROVIDER_NOT_FOUND") from None


def delete_provider(shortcode: str) -> None:
    entry = catalog_data.provider(shortcode.strip().lower())
    if entry is None:
        raise NotFound("Provider not found", code="PROVIDER_NOT_FOUND")
    try:
        catalog_data.delete_provider(entry)
    except catalog_data.Stale:
        raise NotFound("Provider not found", code="PROVIDER_NOT_FOUND") from None


def require_provider(shortcode: str) -> Provider:
    entry = catalog_data.provider(shortcode.strip().lower()) if len(shortcode) <= 64 else None
    if entry is None:
        raise NotFound("Provider not found", code="PROVIDER_NOT_FOUND")
    return entry


def providers(*, category: str | None = None, verified: bool | None = None) -> list[Provider]:
    """Every provider (by_kind `provider`), by shortcode, filtered."""
    return [p for p in sorted(catalog_data.providers(), key=lambda p: p.catalog_id)
            if (not category or p.category == category) and (verified is None or bool(p.verified) == verified)]


def seed_items(entries: Sequence[tuple[NewCatalogItem, dict[str, Any] | None]]) -> list[CatalogItem]:
    """The seed command's new items, in bulk (BatchWriteItem for the items, their search entries and trending
    windows; their slugs were checked to be free just before): each with the file's `activity` — install, download
    and rating counters and trending counts in the current windows — demo numbers not backed by users."""
    from ccjk.logic import rankings  # noqa: PLC0415

    now_ms = int(clock.now() * 1000)
    windows = rankings.windows()
    items, entries_by_item, trending = [], [], []
    for fields, given in entries:
        kind, values, slug, _explicit = _prepared(fields, None, catalog.KINDS)
        item = _built(kind, slug, values, created_by="seed", now_ms=now_ms)
        activity = given or {}
        stars = {int(k): int(v) for k, v in (activity.get("ratings") or {}).items() if str(k) in "12345"}
        item.install_count = int(activity.get("installs", 0))
        item.download_count = int(activity.get("downloads", 0))
        item.rating_sum, item.rating_count = sum(k * v for k, v in stars.items()), sum(stars.values())
        item.rating_score = catalog.bayesian(item.rating_sum, item.rating_count)
        for n in range(1, 6):
            setattr(item, f"rating_{n}", stars.get(n, 0))
        items.append(item)
        entries_by_item.append((kind, item.catalog_id, search.index_keys(item)))
        if int(activity.get("trending", 0)) > 0:
            trending.append((kind, item.catalog_id, int(activity["trending"])))
    catalog_data.put_many(items, entries_by_item)
    from ccjk.store import rankings as ranking_data  # noqa: PLC0415

    ranking_data.set_windows_many(trending, windows)
    return items
