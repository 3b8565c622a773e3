"""What the proxy checks before any upstream call, as plain rules on what the gate has read (logic/proxy_gate.py
reads; this module decides). Every refusal is a `ProxyRefusal(status, error_type, message)` with the error type
of the error catalogue (logic/error_catalog.py), which the gate words with the admin's text when one is set.

| check | refusal |
|---|---|
| no key / not a relay key / unknown key | 401 `auth_failed` / `key_invalid` |
| key disabled, key expired, owner disabled | 401 `key_disabled`, `key_expired`, `auth_failed` |
| platform not in the key's `allowed_platforms` | 403 `platform_forbidden` |
| model blocked, not allowed (key or package), disabled in the catalogue | 403 `model_forbidden` |
| the client filter (logic/client_filter_rules.py, what the admin `test` route runs) | 403 `client_not_allowed` |
| the key's package gone, expired, not started, disabled | 403 `package_expired` / `forbidden` |
| a quota package spent | 403 `quota_exceeded` |
| a subscription's daily / weekly / monthly cap spent | 403 `daily_limit` / `quota_exceeded` / `monthly_quota` |
| the key's `daily_limit` requests today; its `monthly_quota` USD this month | 403 `daily_limit` / `monthly_quota` |
| the key's `rate_limit` requests this minute | 429 `rate_limit` (+ Retry-After) |
| the user's `max_concurrency` requests in flight | 429 `user_concurrency_limit` |

Spend and request counts come from the usage counters (store/usage.py), which the usage worker writes from the
queue: a limit holds from the moment the request that reached it has been counted (usually within a second).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from relay.logic.proxy_pool import ProxyRefusal
from relay.logic.usage_parsing import Usage

KEY_PREFIX = "sk-"
MAX_KEY_LENGTH = 200
KEY_HEADERS = ("authorization", "x-api-key", "x-goog-api-key")


def presented_key(headers: Mapping[str, str]) -> str | None:
    """The API key a request carries: `Authorization: Bearer <key>` (what the anthropic and openai SDKs send),
    `x-api-key`, or `x-goog-api-key`; a relay key (`sk-`) wins over any other value; None when there is none.
    (The original also took a bare `Authorization: <key>`: so does this.)"""
    found: list[str] = []
    for name in KEY_HEADERS:
        value = (headers.get(name) or "").strip()
        if name == "authorization":
            scheme, _, token = value.partition(" ")
            if scheme.lower() == "bearer":
                value = token.strip()
        if value:
            found.append(value)
    return next((v for v in found if v.startswith(KEY_PREFIX)), found[0] if found else None)


def looks_like_key(secret: str) -> bool:
    return secret.startswith(KEY_PREFIX) and len(secret) <= MAX_KEY_LENGTH and secret.isascii()


def csv(text: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in (text or "").split(",") if p.strip())


@dataclass(frozen=True)
class Grant:
    """The key that was presented and its owner, as the checks need them."""

    key_id: int
    user_id: int
    allowed_platforms: tuple[str, ...]  # () = all
    allowed_models: tuple[str, ...]  # () = all
    blocked_models: tuple[str, ...]
    allowed_clients: str
    rate_limit: int  # requests per minute, 0 = unlimited
    daily_limit: int  # requests per day, 0 = unlimited
    monthly_quota: float  # USD per month, 0 = unlimited
    user_package_id: int | None
    key_price_rate: float
    user_price_rate: float
    max_concurrency: int  # the user's, 0 = the configured default


def grant_of(key: Any, user: Any, now: float) -> Grant:
    """The grant of a stored key and its owner, or a 401 refusal."""
    if key is None:
        raise ProxyRefusal(401, "key_invalid", "invalid API key")
    if key.status == "disabled":
        raise ProxyRefusal(401, "key_disabled", "this API key has been disabled")
    if key.status != "active" or (key.expires_at and float(key.expires_at) <= now):
        raise ProxyRefusal(401, "key_expired", "this API key has expired")
    if user is None or user.status != "active":
        raise ProxyRefusal(401, "auth_failed", "the owner of this API key is disabled")
    platforms = tuple(p.lower() for p in csv(key.allowed_platforms))
    return Grant(key_id=int(key.id), user_id=int(user.id),
                 allowed_platforms=() if platforms in ((), ("all",)) else platforms,
                 allowed_models=csv(key.allowed_models), blocked_models=csv(key.blocked_models),
                 allowed_clients=key.allowed_clients or "", rate_limit=int(key.rate_limit or 0),
                 daily_limit=int(key.daily_limit or 0), monthly_quota=float(key.monthly_quota or 0),
                 user_package_id=int(key.user_package_id) if key.user_package_id else None,
                 key_price_rate=float(key.price_rate if key.price_rate is not None else 1),
                 user_price_rate=float(user.price_rate if user.price_rate is not None else 1),
                 max_concurrency=int(user.max_concurrency or 0))


def listed(model: str, entries: Iterable[str]) -> bool:
    """Whether a list names the model: the name in any case, or an entry ending in `*` as a prefix."""
    wanted = model.lower()
    for listed_entry in entries:
        entry = listed_entry.lower()
        if entry == wanted or (entry.endswith("*") and wanted.startswith(entry[:-1])):
            return True
    return False


def check_platform(grant: Grant, platform: str) -> None:
    if grant.allowed_platforms and platform not in grant.allowed_platforms:
        raise ProxyRefusal(403, "platform_forbidden", f"this API key may not use the {platform} platform")


@dataclass(frozen=True)
class Prices:
    """USD per 1M tokens."""

    input: float = 0.0
    output: float = 0.0
    cache_create: float = 0.0
    cache_read: float = 0.0


def catalogue_entry(models: Iterable[Any], name: str) -> Any | None:
    """The catalogue's model for a name or one of its aliases (any case)."""
    wanted = name.lower()
    for model in models:
        if model.name.lower() == wanted or wanted in (a.lower() for a in csv(model.aliases)):
            return model
    return None


def prices_of(entry: Any | None) -> Prices:
    if entry is None:
        return Prices()
    return Prices(float(entry.input_price or 0), float(entry.output_price or 0),
                  float(entry.cache_create_price or 0), float(entry.cache_read_price or 0))


def check_model(grant: Grant, model: str, entry: Any | None, package: Any | None) -> None:
    if grant.blocked_models and listed(model, grant.blocked_models):
        raise ProxyRefusal(403, "model_forbidden", f"this API key may not use the model {model}")
    if grant.allowed_models and not listed(model, grant.allowed_models):
        raise ProxyRefusal(403, "model_forbidden", f"this API key may not use the model {model}")
    package_models = csv(package.allowed_models) if package is not None else ()
    if package_models and not listed(model, package_models):
        raise ProxyRefusal(403, "model_forbidden", f"the package of this API key does not include the model {model}")
    if entry is not None and not entry.enabled:
        raise ProxyRefusal(403, "model_forbidden", f"the model {model} is disabled")


@dataclass(frozen=True)
class Spend:
    """What the counters say about the key and its package now."""

    key_requests_today: int = 0
    key_cost_this_month: float = 0.0
    package_today: float = 0.0
    package_this_week: float = 0.0
    package_this_month: float = 0.0
    package_total: float = 0.0


def check_package(grant: Grant, package: Any | None, spend: Spend, now: float) -> None:
    """A key bound to a package may be used while the package is valid and not spent. (A key without a package
    is limited by its own limits only.)"""
    if grant.user_package_id is None:
        return
    if package is None:
        raise ProxyRefusal(403, "package_expired", "the package of this API key no longer exists")
    if package.status == "expired" or (package.expire_time and float(package.expire_time) <= now):
        raise ProxyRefusal(403, "package_expired", "the package of this API key has expired")
    if package.status == "exhausted":
        raise ProxyRefusal(403, "quota_exceeded", "the package of this API key is used up")
    if package.status != "active":
        raise ProxyRefusal(403, "forbidden", "the package of this API key is disabled")
    if package.start_time and float(package.start_time) > now:
        raise ProxyRefusal(403, "forbidden", "the package of this API key has not started yet")
    if package.type == "quota":
        if float(package.quota_total or 0) > 0 and spend.package_total >= float(package.quota_total):
            raise ProxyRefusal(403, "quota_exceeded", "the package's quota is used up")
        return
    caps = (("daily_quota", spend.package_today, "daily_limit", "today's package allowance is used up"),
            ("weekly_quota", spend.package_this_week, "quota_exceeded", "this week's package allowance is used up"),
            ("monthly_quota", spend.package_this_month, "monthly_quota",
             "this month's package allowance is used up"))
    for field, spent, error_type, message in caps:
        cap = float(getattr(package, field) or 0)
        if cap > 0 and spent >= cap:
            raise ProxyRefusal(403, error_type, message)


def check_key_limits(grant: Grant, spend: Spend) -> None:
    if grant.daily_limit > 0 and spend.key_requests_today >= grant.daily_limit:
        raise ProxyRefusal(403, "daily_limit", f"this API key's {grant.daily_limit} requests for today are used up")
    if grant.monthly_quota > 0 and spend.key_cost_this_month >= grant.monthly_quota:
        raise ProxyRefusal(403, "monthly_quota", "this API key's monthly quota is used up")


def price_rate(grant: Grant, global_rate: float) -> float:
    """The key's own rate when it has one (≠ 1), else the global rate when it is not 1, else the user's."""
    if grant.key_price_rate != 1:
        return grant.key_price_rate
    if global_rate != 1:
        return global_rate
    return grant.user_price_rate


def costs(usage: Usage, prices: Prices, rate: float) -> dict[str, float]:
    """USD per bucket: tokens × price per 1M × rate (the original also multiplied token counts by the rate and
    rewrote them into the client's bytes; here the tokens stay as the upstream counted them)."""
    def part(tokens: int, price: float) -> float:
        return round(tokens * price / 1_000_000 * rate, 10)

    return {"input_cost": part(usage.input_tokens, prices.input),
            "output_cost": part(usage.output_tokens, prices.output),
            "cache_create_cost": part(usage.cache_creation_tokens, prices.cache_create),
            "cache_read_cost": part(usage.cache_read_tokens, prices.cache_read)}
