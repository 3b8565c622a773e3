"""KOOK accounts: add (cookie in any pasted form, password, or bot token), list, delete, start/stop ingestion,
update the cookie, its status, captchas, and the account's servers and channels from KOOK's API (cached)."""

from __future__ import annotations

import re
from typing import Any

from kook import clock
from kook.errors import fail
from kook.logic import cookies, failures
from kook.providers import kook_api
from kook.store import accounts, cache, secrets
from suite.outbound import ProviderError

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{1,60}$")
GUILDS_TTL_SECONDS = 600
CHANNELS_TTL_SECONDS = 600
SECRET_FIELDS = ("cookie", "password", "bot_token", "verify_token", "encrypt_key")


def _owner(account_id: int) -> str:
    return f"account#{account_id}"


def public(account: dict[str, Any]) -> dict[str, Any]:
    """What the API shows of an account: never a secret, only whether one is stored."""
    meta = account.get("cookie_meta") or {}
    expires_at = meta.get("expires_at")
    return {
        "id": account["id"],
        "email": account["email"],
        "status": account.get("status", "offline"),
        "last_active": account.get("last_active"),
        "created_at": account.get("created_at"),
        "has_cookie": "cookie_sealed" in account,
        "has_password": "password_sealed" in account,
        "has_bot_token": "bot_token_sealed" in account,
        "cookie_valid": account.get("cookie_valid"),
        "cookie_expires_at": clock.iso(clock.parse_epoch(expires_at)) if expires_at else None,
    }


def _require(account_id: int) -> dict[str, Any]:
    account = accounts.get(account_id)
    if account is None:
        raise fail(404, "ACCOUNT_NOT_FOUND")
    return account


def _parse_cookie(text: str) -> tuple[list[cookies.Cookie], dict[str, Any]]:
    try:
        parsed = cookies.parse(text)
    except cookies.CookieFormatError as exc:
        raise fail(400, "INVALID_COOKIE", str(exc)) from None
    return parsed, cookies.summary(parsed, fmt=cookies.detect_format(text))


def list_accounts() -> list[dict[str, Any]]:
    return [public(a) for a in accounts.list_all()]


def add(*, email: str, cookie: str | None = None, password: str | None = None, bot_token: str | None = None,
        verify_token: str | None = None, encrypt_key: str | None = None) -> dict[str, Any]:
    email = email.strip()
    if not EMAIL.match(email):
        raise fail(400, "INVALID_PARAM", "邮箱格式无效", solution="请填写KOOK账号的邮箱")
    if not (cookie or password or bot_token):
        raise fail(400, "MISSING_PARAM", "请提供Cookie、密码或Bot Token之一",
                   solution="推荐粘贴浏览器导出的Cookie（JSON、Netscape或 name=value 格式）")
    parsed, meta = _parse_cookie(cookie) if cookie else (None, None)
    account_id = accounts.new_id()
    owner = _owner(account_id)
    now = clock.iso()
    account: dict[str, Any] = {"id": account_id, "email": email, "status": "offline", "ingestion_enabled": False,
                               "created_at": now, "updated_at": now}
    plain = {"cookie": cookies.dumps(parsed) if parsed else None, "password": password, "bot_token": bot_token,
             "verify_token": verify_token, "encrypt_key": encrypt_key}
    for field, value in plain.items():
        if value:
            account[f"{field}_sealed"] = secrets.seal(value, field=field, owner=owner)
    if meta:
        account["cookie_meta"] = meta
    if not accounts.create(account):
        raise fail(409, "INVALID_PARAM", "该邮箱的账号已存在", solution="请勿重复添加同一账号")
    warnings = []
    if meta and meta["missing_required"]:
        warnings.append(f"Cookie中缺少 {', '.join(meta['missing_required'])}，KOOK可能会拒绝登录")
    return {"account_id": account_id, "warnings": warnings}


def delete(account_id: int) -> None:
    if not accounts.delete(account_id):
        raise fail(404, "ACCOUNT_NOT_FOUND")


def set_ingestion(account_id: int, enabled: bool) -> dict[str, Any]:
    account = _require(account_id)
    if enabled and not any(f"{f}_sealed" in account for f in ("cookie", "bot_token", "password")):
        raise fail(400, "KOOK_LOGIN_FAILED", "该账号没有可用的登录凭证", solution="请先更新Cookie")
    changes = {"ingestion_enabled": enabled, "status": "online" if enabled else "offline"}
    if enabled:
        changes["started_at"] = clock.iso()
    updated = accounts.update(account_id, changes)
    if updated is None:
        raise fail(404, "ACCOUNT_NOT_FOUND")
    return public(updated)


def update_cookie(account_id: int, cookie_text: str) -> dict[str, Any]:
    _require(account_id)
    parsed, meta = _parse_cookie(cookie_text)
    sealed = secrets.seal(cookies.dumps(parsed), field="cookie", owner=_owner(account_id))
    updated = accounts.update(account_id, {"cookie_sealed": sealed, "cookie_meta": meta, "cookie_valid": None,
                                           "cookie_checked_at": None})
    if updated is None:
        raise fail(404, "ACCOUNT_NOT_FOUND")
    cache.invalidate(cache.account_prefix(account_id))
    return public(updated)


def cookie_status(account_id: int) -> dict[str, Any]:
    account = _require(account_id)
    meta = account.get("cookie_meta") or {}
    expires_at = meta.get("expires_at")
    expired = bool(expires_at and expires_at <= clock.epoch())
    valid = account.get("cookie_valid")
    return {
        "account_id": account_id,
        "has_cookie": "cookie_sealed" in account,
        "cookie_count": meta.get("count", 0),
        "format": meta.get("format"),
        "expires_at": clock.iso(clock.parse_epoch(expires_at)) if expires_at else None,
        "expired": expired,
        "missing_required": meta.get("missing_required", []),
        "valid": False if expired or "cookie_sealed" not in account else valid,
        "checked_at": account.get("cookie_checked_at"),
    }


# ------------------------------------------------------------------------------------------------ KOOK API

def credentials(account: dict[str, Any]) -> kook_api.Credentials:
    owner = _owner(account["id"])
    if "bot_token_sealed" in account:
        return kook_api.Credentials(bot_token=secrets.open_sealed(account["bot_token_sealed"], field="bot_token",
                                                                  owner=owner))
    if "cookie_sealed" in account:
        opened = cookies.loads(secrets.open_sealed(account["cookie_sealed"], field="cookie", owner=owner))
        return kook_api.Credentials(cookie_header=cookies.header(opened))
    raise fail(400, "KOOK_LOGIN_FAILED", "该账号没有Cookie或Bot Token，无法读取服务器列表",
               solution="请通过 PUT /api/accounts/{id}/cookie 添加Cookie")


def _kook_call(account: dict[str, Any], call: Any) -> Any:
    try:
        result = call(credentials(account))
    except ProviderError as exc:
        if exc.reason == "rejected":
            accounts.update(account["id"], {"cookie_valid": False, "cookie_checked_at": clock.iso()})
        raise failures.as_api_error(exc, rejected_code="INVALID_COOKIE",
                                    rejected_message="KOOK拒绝了该账号的凭证（Cookie可能已过期）",
                                    solution="请通过 PUT /api/accounts/{id}/cookie 更新Cookie") from None
    if account.get("cookie_valid") is not True:
        accounts.update(account["id"], {"cookie_valid": True, "cookie_checked_at": clock.iso()})
    return result


def servers(account_id: int, *, refresh: bool = False) -> list[dict[str, Any]]:
    account = _require(account_id)
    name = f"{cache.account_prefix(account_id)}guilds"
    cached = None if refresh else cache.get(name)
    if cached is not None:
        return cached
    found = _kook_call(account, kook_api.guilds)
    cache.put(name, found, ttl_seconds=GUILDS_TTL_SECONDS)
    return found


def channels(account_id: int, server_id: str, *, refresh: bool = False) -> list[dict[str, Any]]:
    account = _require(account_id)
    if not re.fullmatch(r"[0-9A-Za-z_-]{1,64}", server_id or ""):
        raise fail(400, "INVALID_PARAM", "server_id 无效")
    name = f"{cache.account_prefix(account_id)}channels#{server_id}"
    cached = None if refresh else cache.get(name)
    if cached is not None:
        return cached
    found = _kook_call(account, lambda creds: kook_api.channels(creds, server_id))
    cache.put(name, found, ttl_seconds=CHANNELS_TTL_SECONDS)
    return found


# ------------------------------------------------------------------------------------------------ captcha

def captcha(account_id: int) -> dict[str, Any]:
    """The captcha a password login is waiting for. Logins here use cookies or bot tokens, so usually none."""
    _require(account_id)
    pending = accounts.captcha(account_id)
    if not pending or not pending.get("required"):
        return {"required": False, "image_url": None, "timestamp": None}
    return {"required": True, "image_url": pending.get("image_url"), "timestamp": pending.get("updated_at")}


def submit_captcha(account_id: int, code: str) -> None:
    _require(account_id)
    pending = accounts.captcha(account_id)
    if not pending or not pending.get("required"):
        raise fail(409, "CAPTCHA_REQUIRED", "该账号当前不需要验证码", solution="无需操作")
    accounts.put_captcha(account_id, {**{k: v for k, v in pending.items() if k not in ("pk", "sk", "expires_at")},
                                      "code": code.strip(), "required": False})
