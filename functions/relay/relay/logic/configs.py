"""System configs: the original's defaults (category, type, description) and the values stored over them.

`GET /api/admin/configs` shows every known key with its effective value; `PUT` stores values (checked against
the key's type). Other logic reads typed values with `value(key)`/`flag(key)`/`number(key)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from relay import clock
from relay.store import settings
from suite.errors import BadRequest


@dataclass(frozen=True)
class Default:
    key: str
    value: str
    type: str  # string | int | float | bool
    category: str
    description: str


DEFAULTS: tuple[Default, ...] = (
    Default("global_price_rate", "1", "float", "billing",
            "Global price rate (1 = list price, 0 = free); a user's own rate applies when this is 1"),
    Default("session_ttl", "30", "int", "session", "Sticky-session lifetime (minutes)"),
    Default("session_renewal_ttl", "14", "int", "session", "Renew a sticky session when less than this is left"
            " (minutes)"),
    Default("unavailable_ttl", "300", "int", "cache", "How long an account marked unavailable stays out (seconds)"),
    Default("concurrency_ttl", "300", "int", "cache", "Lifetime of a concurrency lease (seconds): a request"
            " killed mid-way frees its slot after this"),
    Default("default_concurrency_max", "10", "int", "cache", "Concurrency limit of a user without one"),
    Default("sync_enabled", "true", "bool", "sync", "Usage record synchronisation (counters are always current)"),
    Default("sync_interval", "5", "int", "sync", "Usage synchronisation interval (minutes)"),
    Default("record_retention_days", "30", "int", "record", "Days request logs are kept"),
    Default("record_max_count", "1000", "int", "record", "Records per user listed at most"),
    Default("captcha_enabled", "true", "bool", "security", "Login and registration need an image captcha"),
    Default("captcha_rate_limit", "10", "int", "security", "Captchas per IP per minute"),
    Default("login_rate_limit_enable", "true", "bool", "security", "Limit login attempts per IP"),
    Default("login_rate_limit_count", "3", "int", "security", "Login attempts per window"),
    Default("login_rate_limit_window", "5", "int", "security", "Login limit window (minutes)"),
    Default("registration_enabled", "true", "bool", "security", "Anyone may register an account"),
    Default("account_health_check_enabled", "false", "bool", "health_check", "Periodic account health checks"),
    Default("account_health_check_interval", "5", "int", "health_check", "Health check interval (minutes)"),
    Default("account_error_threshold", "5", "int", "health_check",
            "Consecutive errors before an account is taken out of the pool"),
    Default("oauth_auto_reauthorize_enabled", "true", "bool", "health_check",
            "Re-authorise with the session key when OAuth tokens stop working"),
    Default("oauth_reauthorize_cooldown", "30", "int", "health_check", "Cool-down after a failed re-authorisation"),
    Default("health_check_auto_recovery", "true", "bool", "health_check", "Recover accounts whose probe succeeds"),
    Default("health_check_auto_token_refresh", "true", "bool", "health_check", "Refresh expired tokens"),
    Default("rate_limited_probe_enabled", "true", "bool", "health_check", "Probe rate-limited accounts"),
    Default("rate_limited_probe_init_interval", "10", "int", "health_check", "First probe interval (minutes)"),
    Default("rate_limited_probe_max_interval", "30", "int", "health_check", "Longest probe interval (minutes)"),
    Default("rate_limited_probe_backoff", "1.5", "float", "health_check", "Probe interval growth factor"),
    Default("suspended_probe_interval", "5", "int", "health_check", "Suspended-account probe interval (minutes)"),
    Default("suspended_confirm_threshold", "3", "int", "health_check", "Failed probes before an account is banned"),
    Default("banned_probe_enabled", "true", "bool", "health_check", "Probe banned accounts for revival"),
    Default("banned_probe_interval", "1", "int", "health_check", "Banned-account probe interval (hours)"),
    Default("token_refresh_cooldown", "30", "int", "health_check", "Cool-down after a failed token refresh"),
    Default("token_refresh_max_retries", "3", "int", "health_check", "Token refresh attempts"),
)
BY_KEY = {d.key: d for d in DEFAULTS}
TRUE = ("true", "1", "yes", "on")


def _check(default: Default, value: Any) -> str:
    text = str(value).strip().lower() if isinstance(value, bool) else str(value).strip()
    try:
        if default.type == "int":
            if not text.isdigit() or len(text) > 9:
                raise ValueError
            return str(int(text))
        if default.type == "float":
            number = float(text)
            if not 0 <= number < 1e9:
                raise ValueError
            return repr(number).removesuffix(".0") if number == int(number) else repr(number)
        if default.type == "bool":
            if text.lower() not in (*TRUE, "false", "0", "no", "off"):
                raise ValueError
            return "true" if text.lower() in TRUE else "false"
    except ValueError:
        raise BadRequest(f"{default.key} must be a non-negative {default.type}") from None
    if len(text) > 1000:
        raise BadRequest(f"{default.key} is too long")
    return text


def effective(stored: dict[str, Any] | None = None) -> dict[str, str]:
    """Every key's value in effect: the stored one, else the default (`stored`: settings already read)."""
    stored = settings.stored() if stored is None else stored
    return {d.key: (stored[d.key].value if d.key in stored else d.value) for d in DEFAULTS}


def value(key: str, values: dict[str, str] | None = None) -> str:
    return (values or effective())[key]


def flag(key: str, values: dict[str, str] | None = None) -> bool:
    return value(key, values).lower() in TRUE


def number(key: str, values: dict[str, str] | None = None) -> float:
    try:
        return float(value(key, values))
    except ValueError:
        return float(BY_KEY[key].value)


def view(default: Default, current: str, stored_at: float | None) -> dict[str, Any]:
    return {"key": default.key, "value": current, "type": default.type, "category": default.category,
            "description": default.description, "desc": default.description,
            "updated_at": clock.iso(stored_at) if stored_at else None}


def grouped() -> dict[str, list[dict[str, Any]]]:
    stored = settings.stored()
    groups: dict[str, list[dict[str, Any]]] = {}
    for default in DEFAULTS:
        item = stored.get(default.key)
        groups.setdefault(default.category, []).append(
            view(default, item.value if item else default.value, item.updated_at if item else None))
    return groups


def category(name: str) -> list[dict[str, Any]]:
    return grouped().get(name, [])


def update(changes: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    """Store each (key, value); unknown keys are refused before anything is written."""
    checked = []
    for key, raw in changes:
        default = BY_KEY.get(key)
        if default is None:
            raise BadRequest(f"unknown config key: {key}")
        checked.append((default, _check(default, raw)))
    now = clock.now()
    return [view(default, settings.put(default.key, text, default.category, now).value, now)
            for default, text in checked]
