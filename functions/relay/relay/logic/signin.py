"""Public sign-in: captcha (4-digit PNG, 5 minutes, single use, per-IP limit), login (per-IP limiter, reset on
success) and registration."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from relay import clock, ids
from relay.logic import auth, captcha_image, configs, users
from relay.store import captchas, limits
from relay.store import users as user_store
from suite.errors import BadRequest, Forbidden, TooManyRequests, Unauthorized
from suite.security import passwords

CAPTCHA_TTL = 300
REGISTER_LIMIT, REGISTER_WINDOW = 20, 3600
TOO_FREQUENT = "请求过于频繁，请 {seconds} 秒后再试"  # the original's "too frequent" message


def _digest(captcha_id: str, answer: str) -> str:
    return hashlib.sha256(f"{captcha_id}:{answer.strip()}".encode()).hexdigest()


def status() -> dict[str, bool]:
    values = configs.effective()
    return {"captcha_enabled": configs.flag("captcha_enabled", values),
            "login_rate_limit_enabled": configs.flag("login_rate_limit_enable", values)}


def new_captcha(ip: str) -> dict[str, Any]:
    values = configs.effective()
    if not configs.flag("captcha_enabled", values):
        return {"captcha_id": "", "image": "", "enabled": False}
    limit = max(1, int(configs.number("captcha_rate_limit", values)))
    decision = limits.hit(f"captcha#{ip}", limit=limit, window_seconds=60)
    if not decision.allowed:
        raise TooManyRequests(TOO_FREQUENT.format(seconds=decision.retry_after), retry_after=decision.retry_after)
    captcha_id, code = ids.token(16), ids.captcha_code()
    captchas.put(captcha_id, _digest(captcha_id, code), clock.epoch() + CAPTCHA_TTL)
    return {"captcha_id": captcha_id, "image": captcha_image.data_url(code), "enabled": True}


def _check_captcha(values: dict[str, str], captcha_id: str | None, answer: str | None) -> None:
    if not configs.flag("captcha_enabled", values):
        return
    if not captcha_id or not answer:
        raise BadRequest("请输入验证码")
    stored = captchas.take(captcha_id)  # taken whatever the answer: a wrong guess burns the captcha
    if (stored is None or int(stored.get("expires_at", 0)) < clock.epoch()
            or not hmac.compare_digest(stored.get("answer", ""), _digest(captcha_id, answer))):
        raise BadRequest("验证码错误")


def login(username: str, password: str, *, captcha_id: str | None, answer: str | None,
          ip: str) -> dict[str, Any]:
    values = configs.effective()
    limited = configs.flag("login_rate_limit_enable", values)
    window = max(1, int(configs.number("login_rate_limit_window", values))) * 60
    if limited:
        decision = limits.hit(f"login#{ip}", limit=max(1, int(configs.number("login_rate_limit_count", values))),
                              window_seconds=window)
        if not decision.allowed:
            raise TooManyRequests(TOO_FREQUENT.format(seconds=decision.retry_after),
                                  retry_after=decision.retry_after)
    _check_captcha(values, captcha_id, answer)
    user = user_store.by_username(username)
    if user is None:
        passwords.dummy_verify(password)  # as slow as a wrong password: no username probing by timing
        raise Unauthorized("invalid username or password")
    if not passwords.verify_password(user.password_hash, password):
        raise Unauthorized("invalid username or password")
    if user.status != "active":
        raise Unauthorized("user is disabled")
    if limited:
        limits.reset(f"login#{ip}", window_seconds=window)
    return {"token": auth.issue(user.id, user.username, user.role), "user": users.view(user)}


def register(username: str, password: str, email: str | None, *, captcha_id: str | None, answer: str | None,
             ip: str) -> dict[str, Any]:
    values = configs.effective()
    if not configs.flag("registration_enabled", values):
        raise Forbidden("registration is closed")
    decision = limits.hit(f"register#{ip}", limit=REGISTER_LIMIT, window_seconds=REGISTER_WINDOW)
    if not decision.allowed:
        raise TooManyRequests(TOO_FREQUENT.format(seconds=decision.retry_after), retry_after=decision.retry_after)
    _check_captcha(values, captcha_id, answer)
    return users.view(users.create(username, password, email=email))
