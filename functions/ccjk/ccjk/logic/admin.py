"""Admin: stats, users, devices, the catalogue lists and the ratings queue (the writes are logic/catalog_admin.py,
logic/ratings.py and logic/feature_flags.py).

Users and devices are listed from the directory that DirectoryFunction keeps from CcjkTable's stream (newest
first), each entry read back from CcjkTable itself, so what is shown is current; an entity created a moment ago
appears once the stream has delivered it (usually within a second). Deleting a user deletes the profile, the
e-mail lock and every device bound to the user (with their tokens); their installs and ratings stay (ratings
keep the name they were given under).
"""

from __future__ import annotations

from typing import Any

from ccjk.logic import catalog, devices, ratings
from ccjk.store import catalog as catalog_data
from ccjk.store import devices as device_data
from ccjk.store import directory as directory_data
from ccjk.store import rankings as ranking_data
from ccjk.store import users as user_data
from suite.errors import NotFound

DEVICE_PAGE = 100


def stats() -> dict[str, Any]:
    totals = ranking_data.stats()
    kinds = {kind: catalog_data.count_of_kind(kind) for kind in catalog.KINDS}
    return {"users": totals.get("users", 0), "devices": totals.get("devices", 0),
            "notifications": totals.get("notifications", 0), "installs": totals.get("installs", 0),
            "downloads": totals.get("downloads", 0), "ratings": totals.get("ratings", 0),
            "catalog": {**kinds, "total": sum(kinds.values())}, "providers": len(catalog_data.providers())}


def users(offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    entries = directory_data.page("users", offset, limit)
    keys = [(f"USER#{e['entity_id']}", "PROFILE") for e in entries]
    found = directory_data.ccjk_items(keys)
    listed = []
    for entry in entries:
        profile = found.get((f"USER#{entry['entity_id']}", "PROFILE"))
        if profile is None:
            continue  # deleted a moment ago: the stream has not taken it out yet
        listed.append({"id": profile["user_id"], "email": profile["email"], "name": profile.get("name", ""),
                       "tier": profile.get("tier", "free"), "createdAt": profile.get("created_at")})
    return listed, ranking_data.stats().get("users", 0)


def devices_page(offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    entries = directory_data.page("devices", offset, limit)
    found = device_data.get_many([e["entity_id"] for e in entries])
    listed = []
    for entry in entries:
        device = found.get(entry["entity_id"])
        if device is None:
            continue
        listed.append({"id": device.device_id, "name": device.name, "type": device.type,
                       "platform": device.platform, "hostname": device.hostname, "version": device.version,
                       "userId": device.user_id, "createdAt": device.created_at, "lastSeenAt": device.last_seen_at,
                       "channels": sorted(device.channels)})
    return listed, ranking_data.stats().get("devices", 0)


def delete_device(device_id: str) -> dict[str, Any]:
    device = device_data.get(device_id) if len(device_id) <= 64 else None
    if device is None:
        raise NotFound("Device not found", code="DEVICE_NOT_FOUND")
    devices.delete(device)
    return {"id": device_id, "deleted": True}


def delete_user(user_id: str) -> dict[str, Any]:
    user = user_data.get(user_id) if len(user_id) <= 64 else None
    if user is None:
        raise NotFound("User not found", code="USER_NOT_FOUND")
    removed = 0
    while True:
        bound, _total = device_data.list_for_user(user_id, 0, DEVICE_PAGE)
        mine = [d for d in bound if d.user_id == user_id]
        for device in mine:
            devices.delete(device)
            removed += 1
        if len(bound) < DEVICE_PAGE or not mine:
            break
    if not directory_data.delete_user(user_id, user.email):
        raise NotFound("User not found", code="USER_NOT_FOUND")
    return {"id": user_id, "deleted": True, "devicesRemoved": removed}


def item_view(item: Any) -> dict[str, Any]:
    """What admins see of an item: API v8's fields plus the content and search state."""
    return {**catalog.template_view(item), "content": item.content, "revision": int(item.revision),
            "versions": catalog.versions(item), "trigger": item.trigger, "aliases": list(item.aliases or []),
            "supported_agents": list(item.supported_agents or []), "provider": item.provider,
            "stars": int(item.stars or 0), "created_by": item.created_by}


def items(kinds: tuple[str, ...], *, search_text: str | None, category: str | None, status: str | None,
          offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    ids = None
    if search_text:
        from ccjk.logic import search  # noqa: PLC0415

        ids = frozenset(i.catalog_id for i in search.search(search_text, kinds).items)
    filters = catalog.Filters(kinds=kinds, category=category, include_archived=True, status=status, ids=ids)
    page = catalog.listing(filters, sort="newest", offset=offset, limit=limit)
    return [item_view(i) for i in page.items], page.total


def rating_queue(offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    return [ratings.view(r) for r in ratings.queue(offset, limit)], ranking_data.stats().get("ratings", 0)

