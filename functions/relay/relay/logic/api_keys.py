"""API keys: `sk-` + 64 hex shown once, stored as a SHA-256 digest with a prefix and suffix for display, at
most 10 per user; limits, allowed platforms/models/clients, expiry and a bound package are stored for the
proxy to enforce (issue 15)."""

from __future__ import annotations

from typing import Any

from relay import clock, ids
from relay.logic import oplog
from relay.models import api_keys as shapes
from relay.models.entities import ApiKey, UserPackage
from relay.store import api_keys, packages, sequences, usage, users
from suite.errors import BadRequest, Conflict, NotFound

MAX_KEYS = 10
PLATFORMS = ("claude", "openai", "gemini")
DEFAULT_RATE_LIMIT = 60


def _platforms(value: str | None) -> str | None:
    if value is None:
        return None
    parts = [p.strip().lower() for p in value.split(",") if p.strip()]
    if not parts or parts == ["all"]:
        return "all"
    unknown = [p for p in parts if p not in PLATFORMS]
    if unknown:
        raise BadRequest(f"allowed_platforms: unknown platform {unknown[0]} (all, claude, openai, gemini)")
    return ",".join(dict.fromkeys(parts))


def _csv(value: str | None) -> str | None:
    if value is None:
        return None
    return ",".join(dict.fromkeys(p.strip() for p in value.split(",") if p.strip()))


def _when(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return clock.parse_iso(value)
    except ValueError:
        raise BadRequest("expires_at must be an ISO-8601 time") from None


def status_of(key: ApiKey, now: float | None = None) -> str:
    if key.status == "active" and key.expires_at and key.expires_at < (now or clock.now()):
        return "expired"
    return key.status


def views(keys: list[ApiKey], *, with_owner: bool = False) -> list[dict[str, Any]]:
    """Keys as the screens read them: usage totals from the counters (one BatchGetItem), the bound package and,
    for admins, the owner."""
    totals = usage.many([(f"K#{k.id}", "T") for k in keys]) if keys else {}
    bound: dict[tuple[int, int], UserPackage] = {}
    for key in keys:
        if key.user_package_id and (key.user_id, key.user_package_id) not in bound:
            found = packages.get_user_package(key.user_id, key.user_package_id)
            if found is not None:
                bound[(key.user_id, key.user_package_id)] = found
    owners = users.many({k.user_id for k in keys}) if with_owner and keys else {}
    now = clock.now()
    answers = []
    for key in keys:
        spent = totals.get((f"K#{key.id}", "T"), {})
        package = bound.get((key.user_id, key.user_package_id or 0))
        owner = owners.get(key.user_id)
        answers.append(shapes.KeyView(
            id=key.id, user_id=key.user_id, name=key.name, key_prefix=key.key_prefix, key_suffix=key.key_suffix,
            status=status_of(key, now), price_rate=float(key.price_rate), user_package_id=key.user_package_id,
            user_package=shapes.PackageBrief(id=package.id, name=package.name, type=package.type,
                                             status=package.status) if package else None,
            billing_type=key.billing_type, allowed_platforms=key.allowed_platforms,
            allowed_models=key.allowed_models or "", blocked_models=key.blocked_models or "",
            allowed_clients=key.allowed_clients or "", rate_limit=int(key.rate_limit),
            daily_limit=int(key.daily_limit), monthly_quota=float(key.monthly_quota),
            expires_at=clock.iso(key.expires_at) if key.expires_at else None,
            request_count=int(spent.get("requests", 0)), tokens_used=int(spent.get("total_tokens", 0)),
            cost_used=float(spent.get("cost", 0)),
            last_used_at=clock.iso(key.last_used_at) if key.last_used_at else None,
            created_at=clock.iso(key.created_at), updated_at=clock.iso(key.updated_at or key.created_at),
            user=shapes.OwnerBrief(id=owner.id, username=owner.username) if owner else None,
        ).model_dump())
    return answers


def view(key: ApiKey, *, with_owner: bool = False) -> dict[str, Any]:
    return views([key], with_owner=with_owner)[0]


def _package_for(user_id: int, user_package_id: int | None, *, must_be_active: bool) -> UserPackage | None:
    if user_package_id is None:
        return None
    package = packages.get_user_package(user_id, user_package_id)
    if package is None:
        raise BadRequest("the package does not exist or is not this user's")
    if must_be_active and package.status != "active":
        raise BadRequest("the package is not active")
    return package


def create(user_id: int, body: shapes.KeyCreate, *, by_admin: bool = False) -> dict[str, Any]:
    if users.get(user_id) is None:
        raise NotFound("user not found")
    package = _package_for(user_id, body.user_package_id, must_be_active=not by_admin)
    secret = ids.api_key()
    now = clock.now()
    key = api_keys.new(
        user_id, sequences.next_id("api_key"), name=body.name, key_digest=ids.key_digest(secret),
        key_prefix=secret[:10], key_suffix=secret[-4:], status="active", price_rate=1,
        user_package_id=package.id if package else None, billing_type=package.type if package else "none",
        allowed_platforms=_platforms(body.allowed_platforms) or "all", allowed_models=_csv(body.allowed_models) or "",
        blocked_models=_csv(body.blocked_models) or "", allowed_clients=_csv(body.allowed_clients) or "",
        rate_limit=body.rate_limit or DEFAULT_RATE_LIMIT, daily_limit=body.daily_limit or 0,
        monthly_quota=body.monthly_quota or 0, expires_at=_when(body.expires_at), created_at=now, updated_at=now)
    try:
        api_keys.create(key, max_keys=MAX_KEYS)
    except api_keys.LimitReached:
        raise Conflict(f"at most {MAX_KEYS} API keys per user") from None
    oplog.changed(None, view(key), target=key.id, name=key.name)
    return shapes.KeyCreated(id=key.id, name=key.name, key=secret, key_prefix=key.key_prefix,
                             key_suffix=key.key_suffix).model_dump()


def own(user_id: int, key_id: int) -> ApiKey:
    """The caller's key; another user's key is not addressable (it lives in their partition): 404."""
    key = api_keys.get(user_id, key_id)
    if key is None:
        raise NotFound("API key not found")
    return key


def any_key(key_id: int) -> ApiKey:
    owner = api_keys.owner_of(key_id)
    key = api_keys.get(owner, key_id) if owner is not None else None
    if key is None:
        raise NotFound("API key not found")
    return key


def update(key: ApiKey, body: shapes.KeyUpdate) -> dict[str, Any]:
    before = view(key)
    changes: dict[str, Any] = {}
    if body.name is not None:
        changes["name"] = body.name
    for name, value in (("allowed_platforms", _platforms(body.allowed_platforms)),
                        ("allowed_models", _csv(body.allowed_models)), ("blocked_models", _csv(body.blocked_models)),
                        ("allowed_clients", _csv(body.allowed_clients)), ("status", body.status),
                        ("daily_limit", body.daily_limit), ("monthly_quota", body.monthly_quota)):
        if value is not None:
            changes[name] = value
    if body.rate_limit:
        changes["rate_limit"] = body.rate_limit
    if body.expires_at is not None:
        changes["expires_at"] = _when(body.expires_at)
    if "expires_at" in body.model_fields_set and body.expires_at is None:
        changes["expires_at"] = None
    if body.user_package_id is not None and body.user_package_id != key.user_package_id:
        package = _package_for(key.user_id, body.user_package_id, must_be_active=True)
        changes["user_package_id"] = package.id
        changes["billing_type"] = package.type
    if changes:
        changes["updated_at"] = clock.now()
        if not api_keys.update(key, changes):
            raise NotFound("API key not found")
        key = api_keys.get(key.user_id, key.id) or key
    after = view(key)
    oplog.changed(before, after, target=key.id, name=key.name)
    return after


def toggle(key: ApiKey) -> dict[str, str]:
    status = "disabled" if key.status == "active" else "active"
    if not api_keys.update(key, {"status": status, "updated_at": clock.now()}):
        raise NotFound("API key not found")
    oplog.changed({"id": key.id, "status": key.status}, {"id": key.id, "status": status}, target=key.id,
                  name=key.name)
    return {"status": status}


def delete(key: ApiKey) -> None:
    if not api_keys.delete(key):
        raise NotFound("API key not found")
    oplog.changed(view(key), None, target=key.id, name=key.name)


def usage_of(key: ApiKey) -> dict[str, Any]:
    owner, day, month = f"K#{key.id}", f"D#{clock.day()}", f"MO#{clock.month()}"
    empty = dict.fromkeys(usage.FIELDS, 0)
    found = usage.many([(owner, "T"), (owner, day), (owner, month)])
    total, today, this_month = (found.get((owner, sk)) or empty for sk in ("T", day, month))

    def brief(counters: dict[str, Any]) -> dict[str, Any]:
        return {"requests": int(counters["requests"]), "tokens": int(counters["total_tokens"]),
                "cost": float(counters["cost"])}

    return shapes.KeyUsage(
        api_key_id=key.id, total_requests=int(total["requests"]), total_tokens=int(total["total_tokens"]),
        input_tokens=int(total["input_tokens"]), output_tokens=int(total["output_tokens"]),
        cache_creation_input_tokens=int(total["cache_creation_tokens"]),
        cache_read_input_tokens=int(total["cache_read_tokens"]), total_cost=float(total["cost"]),
        today=brief(today), this_month=brief(this_month)).model_dump()


def page(page_number: int, page_size: int) -> tuple[list[dict[str, Any]], int]:
    keys = api_keys.page((page_number - 1) * page_size, page_size)
    return views(keys, with_owner=True), api_keys.count()


def lookup(raw_ids: str | None) -> list[dict[str, Any]]:
    if not raw_ids or not raw_ids.strip():
        return []
    parts = [p.strip() for p in raw_ids.split(",") if p.strip()]
    if len(parts) > 200:
        raise BadRequest("ids too many (max 200)")
    wanted = []
    for part in parts:
        if not part.isascii() or not part.isdigit() or not 0 < int(part) < 10**12:
            raise BadRequest(f"invalid id: {part[:20]}")
        wanted.append(int(part))
    return [shapes.KeyBrief(id=k.id, user_id=k.user_id, name=k.name, key_prefix=k.key_prefix,
                            key_suffix=k.key_suffix, status=status_of(k)).model_dump()
            for k in api_keys.many(wanted)]


def of_user(user_id: int) -> list[dict[str, Any]]:
    return views(sorted(api_keys.of_user(user_id), key=lambda k: k.id, reverse=True))
