"""The "cache": the proxy's runtime state (sticky sessions, concurrency leases, unavailable marks) as admins
see and clear it. All of it lives in RelayStateTable with TTLs; nothing is cached in a process."""

from __future__ import annotations

from typing import Any

from relay import clock
from relay.logic import configs, oplog
from relay.logic.accounts import unavailable_view
from relay.store import accounts, state, users
from suite.errors import BadRequest, NotFound

CONFIG_KEYS = ("session_ttl", "session_renewal_ttl", "unavailable_ttl", "concurrency_ttl", "default_concurrency_max")


def session_view(item: dict[str, Any], account_names: dict[int, str] | None = None) -> dict[str, Any]:
    expires = float(item.get("expires_at") or 0)
    account_id = item.get("account_id")
    return {"session_id": item.get("session_id", item["pk"].removeprefix("SESSION#")), "account_id": account_id,
            "account_name": (account_names or {}).get(account_id, ""), "user_id": item.get("user_id"),
            "api_key_id": item.get("api_key_id"), "model": item.get("model", ""),
            "platform": item.get("platform", ""), "client_ip": item.get("client_ip", ""),
            "bound_at": clock.iso(item["created_at"]) if item.get("created_at") else None,
            "last_used_at": clock.iso(item.get("last_used_at") or item.get("created_at") or 0),
            "expires_at": clock.iso(expires), "remaining_ttl": max(0, int(expires - clock.now()))}


def sessions(offset: int, limit: int, *, account_id: int | None = None, user_id: int | None = None,
             api_key_id: int | None = None) -> dict[str, Any]:
    every = [s for s in state.sessions()
             if (account_id is None or s.get("account_id") == account_id)
             and (user_id is None or s.get("user_id") == user_id)
             and (api_key_id is None or s.get("api_key_id") == api_key_id)]
    names = {a.id: a.name for a in accounts.every()} if every else {}
    chosen = every[offset:offset + limit]
    items = [session_view(s, names) for s in chosen]
    return {"sessions": items, "items": items, "total": len(every), "offset": offset, "limit": limit}


def remove_session(session_id: str) -> dict[str, Any]:
    found = state.get(f"SESSION#{session_id}", "SESSION")
    if found is None:
        raise NotFound("session not found")
    state.delete(f"SESSION#{session_id}", "SESSION")
    oplog.changed(session_view(found), None, target=session_id)
    return {"message": "session removed"}


def _leases_by_owner() -> dict[str, int]:
    counts: dict[str, int] = {}
    for lease in state.all_leases():
        counts[lease.get("owner", "")] = counts.get(lease.get("owner", ""), 0) + 1
    return counts


def accounts_cache() -> dict[str, Any]:
    every_session = state.sessions()
    leases = _leases_by_owner()
    rows = []
    for account in accounts.every():
        mine = [s for s in every_session if s.get("account_id") == account.id]
        concurrency = leases.get(f"A#{account.id}", 0)
        if not mine and not concurrency:
            continue
        rows.append({"account_id": account.id, "account_name": account.name, "platform": account.platform,
                     "concurrency": concurrency, "max_concurrency": int(account.max_concurrency or 5),
                     "session_count": len(mine), "sessions": [session_view(s) for s in mine[:50]],
                     "users": sorted({s.get("user_id") for s in mine if s.get("user_id") is not None})})
    return {"accounts": rows, "total": len(rows)}


def users_cache() -> dict[str, Any]:
    every_session = state.sessions()
    leases = _leases_by_owner()
    user_ids = {s.get("user_id") for s in every_session if s.get("user_id") is not None}
    user_ids |= {int(owner[2:]) for owner in leases if owner.startswith("U#") and owner[2:].isdigit()}
    known = users.many(user_ids) if user_ids else {}
    default_max = int(configs.number("default_concurrency_max"))
    rows = []
    for user_id in sorted(user_ids):
        mine = [s for s in every_session if s.get("user_id") == user_id]
        user = known.get(user_id)
        rows.append({"user_id": user_id, "user_name": user.username if user else "",
                     "username": user.username if user else "", "concurrency": leases.get(f"U#{user_id}", 0),
                     "max_concurrency": int(user.max_concurrency) if user else default_max,
                     "session_count": len(mine), "sessions": [session_view(s) for s in mine[:50]],
                     "accounts": sorted({s.get("account_id") for s in mine if s.get("account_id") is not None})})
    return {"users": rows, "total": len(rows)}


def unavailable() -> dict[str, Any]:
    names = {a.id: a.name for a in accounts.every()}
    rows = [{**unavailable_view(m), "account_name": names.get(int(m["account_id"]), "")}
            for m in state.unavailable_marks()]
    return {"accounts": rows, "items": rows, "total": len(rows)}


def stats() -> dict[str, Any]:
    every_session = state.sessions()
    marks = state.unavailable_marks()
    leases = state.all_leases()
    return {"session_count": len(every_session), "unavailable_count": len(marks), "lease_count": len(leases),
            "accounts_with_sessions": len({s.get("account_id") for s in every_session}),
            "users_with_sessions": len({s.get("user_id") for s in every_session if s.get("user_id")}),
            "usage_key_count": 0, "cost_key_count": 0,
            "total_key_count": len(every_session) + len(marks) + len(leases), "memory_used": 0,
            "memory_used_human": "n/a (DynamoDB)", "backend": "dynamodb"}


def clear(kind: str) -> dict[str, Any]:
    cleared: dict[str, int] = {}
    if kind in ("sessions", "all"):
        cleared["sessions"] = state.delete_sessions(state.sessions())
    if kind in ("users", "all"):
        owners = {lease.get("owner") for lease in state.all_leases() if str(lease.get("owner", "")).startswith("U#")}
        cleared["users"] = sum(state.clear_leases(owner) for owner in owners)
    if kind in ("accounts", "all"):
        owners = {lease.get("owner") for lease in state.all_leases() if str(lease.get("owner", "")).startswith("A#")}
        cleared["accounts"] = sum(state.clear_leases(owner) for owner in owners)
    if kind in ("unavailable", "all"):
        marks = state.unavailable_marks()
        for mark in marks:
            state.clear_unavailable(int(mark["account_id"]))
        cleared["unavailable"] = len(marks)
    if not cleared:
        raise BadRequest("type must be sessions, users, accounts, unavailable or all")
    oplog.changed(None, {"type": kind, "cleared": cleared})
    return {"message": f"cleared {kind}", "cleared": cleared}


def clear_user(user_id: int) -> dict[str, Any]:
    removed = state.delete_sessions([s for s in state.sessions() if s.get("user_id") == user_id])
    leases = state.clear_leases(f"U#{user_id}")
    oplog.changed({"sessions": removed, "leases": leases}, None, target=user_id)
    return {"message": "user cache cleared", "sessions": removed, "leases": leases}


def clear_api_key(key_id: int) -> dict[str, Any]:
    removed = state.delete_sessions([s for s in state.sessions() if s.get("api_key_id") == key_id])
    oplog.changed({"sessions": removed}, None, target=key_id)
    return {"message": "API key cache cleared", "sessions": removed}


def config() -> dict[str, int]:
    values = configs.effective()
    return {key: int(configs.number(key, values)) for key in CONFIG_KEYS}


def update_config(changes: dict[str, int]) -> dict[str, int]:
    before = config()
    configs.update([(key, value) for key, value in changes.items() if key in CONFIG_KEYS and value is not None])
    after = config()
    oplog.changed(before, after)
    return after


def user_concurrency(user_id: int) -> dict[str, Any]:
    user = users.get(user_id)
    if user is None:
        raise NotFound("user not found")
    current = len(state.leases(f"U#{user_id}"))
    limit = int(user.max_concurrency or configs.number("default_concurrency_max"))
    return {"user_id": user_id, "current": current, "limit": limit, "available": max(0, limit - current)}


def reset_user_concurrency(user_id: int) -> dict[str, Any]:
    before = user_concurrency(user_id)
    state.clear_leases(f"U#{user_id}")
    after = user_concurrency(user_id)
    oplog.changed(before, after, target=user_id)
    return after
