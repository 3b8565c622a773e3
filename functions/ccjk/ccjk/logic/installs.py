"""Installs per user with per-tier quotas: free 10, pro 100, enterprise unlimited, per kind (skills, MCP servers,
agents, hooks and templates each have their own count). The tier is the user's (`tier` of the ccjk user; an
admin or the seed command changes it); what a client sends as `userTier` is ignored.

Correct under concurrency by construction (store/user_installs.py): the install item and the quota counter are
written in one transaction whose conditions are "not installed yet" and "under the limit". The item's install
count and the trending windows are atomic ADDs after that transaction (a crash between the two can leave a
count one short; the installs themselves and the quota never disagree).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ccjk import clock, config
from ccjk.logic import catalog, rankings
from ccjk.models.market_entities import Install
from ccjk.store import catalog as catalog_data
from ccjk.store import rankings as ranking_data
from ccjk.store import user_installs as install_data
from ccjk.store import users as user_data
from suite.errors import BadRequest, Conflict, NotFound

MAX_CONFIG_BYTES = 8 * 1024


def tier_of(user_id: str) -> str:
    user = user_data.get(user_id)
    tier = user.tier if user is not None else "free"
    return tier if tier in config.market().install_quotas else "free"


def limit_of(tier: str) -> int | None:
    return config.market().install_quotas.get(tier, config.market().install_quotas["free"])


def quota(user_id: str, kind: str, *, tier: str | None = None) -> dict[str, Any]:
    """{used, limit, remaining, tier, unlimited}; limit and remaining are -1 when unlimited."""
    tier = tier or tier_of(user_id)
    limit = limit_of(tier)
    used = max(0, install_data.used(user_id, kind))
    return {"used": used, "limit": -1 if limit is None else limit,
            "remaining": -1 if limit is None else max(0, limit - used), "tier": tier, "unlimited": limit is None}


def v8_quota(user_id: str, kind: str) -> dict[str, Any]:
    """API v8's quota names: `max_skills`, `used_skills`, `remaining_skills` (`_mcp`, `_agents`, `_hooks` for the
    other kinds), next to the generic ones."""
    found = quota(user_id, kind)
    noun = {"skill": "skills", "mcp": "mcp", "agent": "agents", "hook": "hooks"}.get(kind, "templates")
    return {f"max_{noun}": found["limit"], f"used_{noun}": found["used"], f"remaining_{noun}": found["remaining"],
            **found}


def _config_text(value: dict[str, Any] | None) -> str:
    text = json.dumps(value or {}, ensure_ascii=False, separators=(",", ":"))
    if len(text.encode()) > MAX_CONFIG_BYTES:
        raise BadRequest("config: at most 8 KB of JSON", code="VALIDATION_ERROR", details={"field": "config"})
    return text


def install(user_id: str, ref: str, kinds: Sequence[str], *, version: str | None = None, enabled: bool = True,
            item_config: dict[str, Any] | None = None) -> dict[str, Any]:
    item = catalog.resolve(ref, kinds)
    if item is None or item.status == "archived":
        raise NotFound("Skill not found" if kinds == (catalog.SKILL,) else "Item not found",
                       code="SKILL_NOT_FOUND" if catalog.SKILL in kinds else "NOT_FOUND")
    tier = tier_of(user_id)
    limit = limit_of(tier)
    now_ms = int(clock.now() * 1000)
    values = {"item_id": item.catalog_id, "item_kind": item.catalog_kind, "item_name": item.name_en,
              "version": version or item.version, "enabled": enabled, "config": _config_text(item_config),
              "usage_count": 0, "installed_ms": now_ms}
    try:
        install_data.install(user_id, values, limit=limit)
    except install_data.AlreadyInstalled:
        raise Conflict("Already installed", code="ALREADY_INSTALLED",
                       details={"skillId": item.catalog_id}) from None
    except install_data.QuotaExceeded:
        used = install_data.used(user_id, item.catalog_kind)
        raise BadRequest(f"Install quota exceeded for the {tier} tier ({limit})", code="QUOTA_EXCEEDED",
                         details={"quota": {"used": used, "limit": limit, "tier": tier}}) from None
    catalog_data.add_counters(item.catalog_id, {"install_count": 1})
    rankings.record_activity(item)
    ranking_data.add_stats({"installs": 1})
    return {"skillId": item.catalog_id, "id": item.catalog_id, "type": item.catalog_kind,
            "installedAt": clock.iso(now_ms / 1000), "quota": quota(user_id, item.catalog_kind, tier=tier)}


def _installed(user_id: str, ref: str, kinds: Sequence[str]) -> Install:
    """The user's install `ref` names (by any id form; also for an item deleted since)."""
    item = catalog.resolve(ref, kinds)
    wanted = [item.catalog_id] if item is not None else catalog.candidates(ref, kinds)
    for item_id in wanted:
        found = install_data.get(user_id, item_id)
        if found is not None and found.item_kind in kinds:
            return found
    raise NotFound("Not installed", code="NOT_INSTALLED")


def uninstall(user_id: str, ref: str, kinds: Sequence[str]) -> dict[str, Any]:
    found = _installed(user_id, ref, kinds)
    try:
        install_data.uninstall(user_id, found.item_id, found.item_kind)
    except install_data.NotInstalled:
        raise NotFound("Not installed", code="NOT_INSTALLED") from None
    catalog_data.add_counters(found.item_id, {"install_count": -1})
    ranking_data.add_stats({"installs": -1})
    return {"skillId": found.item_id, "id": found.item_id, "type": found.item_kind, "uninstalledAt": clock.iso(),
            "quota": quota(user_id, found.item_kind)}


def update(user_id: str, ref: str, kinds: Sequence[str], *, enabled: bool | None,
           item_config: dict[str, Any] | None) -> dict[str, Any]:
    found = _installed(user_id, ref, kinds)
    now_ms = int(clock.now() * 1000)
    try:
        found = install_data.update(found, enabled=enabled,
                                    config=_config_text(item_config) if item_config is not None else None,
                                    now_ms=now_ms)
    except install_data.NotInstalled:
        raise NotFound("Not installed", code="NOT_INSTALLED") from None
    return {"skillId": found.item_id, "isEnabled": bool(found.enabled), "config": json.loads(found.config or "{}"),
            "updatedAt": clock.iso(now_ms / 1000)}


def installed(user_id: str, kinds: Sequence[str]) -> list[Install]:
    return [entry for entry in install_data.of_user(user_id) if entry.item_kind in kinds]


def user_skill_view(entry: Install) -> dict[str, Any]:
    """The v1 client's UserSkill."""
    return {
        "skillId": entry.item_id, "id": entry.item_id, "type": entry.item_kind, "name": entry.item_name,
        "version": entry.version, "installedAt": catalog.iso(entry.installed_ms),
        "lastUsedAt": catalog.iso(entry.last_used_ms), "usageCount": int(entry.usage_count or 0),
        "isEnabled": bool(entry.enabled), "config": json.loads(entry.config or "{}"),
    }


def v8_install_view(entry: Install) -> dict[str, Any]:
    return {"id": entry.item_id, "item_id": entry.item_id, "type": entry.item_kind, "name": entry.item_name,
            "version": entry.version, "enabled": bool(entry.enabled), "installed_at": catalog.iso(entry.installed_ms),
            "usage_count": int(entry.usage_count or 0), "config": json.loads(entry.config or "{}")}


def user_skills(user_id: str, kind: str) -> dict[str, Any]:
    entries = installed(user_id, (kind,))
    return {"skills": [user_skill_view(e) for e in entries], "total": len(entries), "quota": quota(user_id, kind)}


def recommendations(user_id: str | None, kinds: Sequence[str], limit: int, *,
                    exclude_installed: bool = True) -> dict[str, Any]:
    """Popular items of the kinds, in the categories the user installs most, without what the user has."""
    have = {e.item_id for e in installed(user_id, kinds)} if user_id and exclude_installed else set()
    categories: dict[str, int] = {}
    if have:
        for item in catalog_data.get_many(have).values():
            categories[item.category] = categories.get(item.category, 0) + 1
    page = catalog.listing(catalog.Filters(kinds=tuple(kinds)), sort="popular", limit=catalog.MAX_ITEMS_PER_KIND)
    candidates = [i for i in page.items if i.catalog_id not in have]
    candidates.sort(key=lambda i: (-categories.get(i.category, 0), -int(i.install_count or 0), i.catalog_id))
    chosen = candidates[:limit]
    based_on = [{"type": "category", "related": sorted(categories)}] if categories else []
    based_on.append({"type": "popular", "related": []})
    return {"items": chosen, "basedOn": based_on}


def installed_one(user_id: str, item_id: str) -> Install:
    found = install_data.get(user_id, item_id)
    if found is None:
        raise NotFound("Not installed", code="NOT_INSTALLED")
    return found
