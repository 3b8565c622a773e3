"""The admin's password, login tokens, first-time setup and the e-mail password reset.

One admin password (6–20 characters, argon2id). A login issues a random opaque token that is stored only as its
SHA-256 digest with an expiry; every request reads the token and the password settings in one BatchGetItem and
accepts the token only while its `generation` equals the settings' `token_generation`. Changing or resetting the
password bumps the generation, which revokes every token at once (the stale token items are then deleted).
An optional static token from configuration (API_TOKEN, the original's `.env`) is accepted as well.
Logins are throttled per client IP and globally with DynamoDB counters.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from kook import clock, config, ids
from kook.errors import fail
from kook.store import email, settings
from suite.security import masking, opaque_tokens, passwords

TOKEN_TTL_SECONDS = 2_592_000  # 30 days, the documented expires_in
SHORT_TOKEN_TTL_SECONDS = 86_400  # /auth/login with remember=false
PASSWORD_MIN, PASSWORD_MAX = 6, 20
LOGIN_WINDOW_SECONDS = 900
LOGIN_LIMIT_PER_IP = 10
LOGIN_LIMIT_TOTAL = 100  # all clients together: slows a distributed guesser, still leaves room for the admin
RESET_CODE_TTL_SECONDS = 600
RESET_CODE_ATTEMPTS = 5
RESET_SEND_LIMIT = 5  # codes per hour


@dataclass(frozen=True)
class Caller:
    kind: str  # "token" or "static"
    token_digest: str | None = None
    expires_at: int | None = None


@dataclass(frozen=True)
class IssuedLogin:
    token: str
    expires_in: int


# ------------------------------------------------------------------------------------------------ helpers

def check_new_password(password: str) -> None:
    if not isinstance(password, str) or not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise fail(400, "INVALID_PARAM", f"密码长度必须为{PASSWORD_MIN}-{PASSWORD_MAX}个字符",
                   solution=f"请设置{PASSWORD_MIN}到{PASSWORD_MAX}个字符的密码")


def throttle(key: str, *, limit: int, window_seconds: int) -> None:
    decision = settings.hit_limit(key, limit=limit, window_seconds=window_seconds)
    if not decision.allowed:
        raise fail(429, "RATE_LIMIT_EXCEEDED", "尝试次数过多，请稍后再试", retry_after=decision.retry_after,
                   solution=f"请在 {decision.retry_after} 秒后重试")


def _issue(generation: int, ttl: int) -> IssuedLogin:
    issued = ids.login_token()
    settings.store_token(issued.digest, generation=generation, expires_at=clock.epoch() + ttl, hint=issued.hint)
    return IssuedLogin(issued.plaintext, ttl)


def password_is_set() -> bool:
    return bool((settings.auth_settings() or {}).get("password_hash"))


# ------------------------------------------------------------------------------------------------ authentication

def authenticate(presented: str | None) -> Caller:
    """The caller behind a presented token, or a 401 in the documented error shape."""
    if not presented:
        raise fail(401, "AUTH_FAILED", "未提供认证Token")
    static = config.get().static_api_token
    if static and opaque_tokens.constant_time_equals(presented, static):
        return Caller("static")
    if len(presented) > 256:
        raise fail(401, "INVALID_TOKEN")
    digest = opaque_tokens.token_digest(presented)
    token, auth = settings.token_with_settings(digest)
    if token is None or auth is None or token.get("generation") != auth.get("token_generation"):
        raise fail(401, "INVALID_TOKEN")
    if int(token.get("expires_at", 0)) <= clock.epoch():
        raise fail(401, "TOKEN_EXPIRED")
    return Caller("token", digest, int(token["expires_at"]))


def token_still_valid(digest: str) -> bool:
    """Whether a login token (by digest) still authenticates: not logged out, revoked or expired."""
    token, settings_item = settings.token_with_settings(digest)
    return (token is not None and settings_item is not None
            and token.get("generation") == settings_item.get("token_generation")
            and int(token.get("expires_at", 0)) > clock.epoch())


def verify(presented: str | None) -> dict:
    caller = authenticate(presented)
    answer: dict = {"valid": True, "token_type": caller.kind}
    if caller.expires_at:
        answer["expires_in"] = max(0, caller.expires_at - clock.epoch())
    return answer


def logout(caller: Caller) -> None:
    if caller.token_digest:
        settings.delete_token(caller.token_digest)


# ------------------------------------------------------------------------------------------------ password

def setup(password: str, *, presented_token: str | None) -> IssuedLogin:
    """Set the first password (works once). When a static API token is configured, setup requires it, so a
    freshly deployed instance cannot be claimed by whoever finds it first."""
    check_new_password(password)
    static = config.get().static_api_token
    if static and not (presented_token and opaque_tokens.constant_time_equals(presented_token, static)):
        raise fail(401, "AUTH_FAILED", "首次设置密码需要提供配置的API Token")
    if not settings.create_password(passwords.hash_password(password)):
        raise fail(409, "PERMISSION_DENIED", "密码已设置", solution="请使用登录或修改密码接口")
    return _issue(1, TOKEN_TTL_SECONDS)


def login(password: str, *, client_ip: str, remember: bool = True) -> IssuedLogin:
    ip_key = f"login#ip#{client_ip}"
    throttle(ip_key, limit=LOGIN_LIMIT_PER_IP, window_seconds=LOGIN_WINDOW_SECONDS)
    throttle("login#all", limit=LOGIN_LIMIT_TOTAL, window_seconds=LOGIN_WINDOW_SECONDS)
    if not isinstance(password, str) or len(password) > passwords.MAX_PASSWORD_LENGTH:
        raise fail(401, "WRONG_PASSWORD")
    auth = settings.auth_settings()
    if not auth or not auth.get("password_hash"):
        passwords.dummy_verify(password)
        raise fail(409, "AUTH_FAILED", "尚未设置密码", solution="请先通过 POST /auth/setup 设置密码")
    if not passwords.verify_password(auth["password_hash"], password):
        raise fail(401, "WRONG_PASSWORD")
    if passwords.needs_rehash(auth["password_hash"]):
        settings.rehash_password(auth["password_hash"], passwords.hash_password(password))
    settings.clear_limit(ip_key, window_seconds=LOGIN_WINDOW_SECONDS)
    return _issue(int(auth.get("token_generation", 1)), TOKEN_TTL_SECONDS if remember else SHORT_TOKEN_TTL_SECONDS)


def change_password(old_password: str, new_password: str, *, client_ip: str) -> None:
    """Check the old password (throttled like a login), store the new one and revoke every token."""
    check_new_password(new_password)
    throttle(f"login#ip#{client_ip}", limit=LOGIN_LIMIT_PER_IP, window_seconds=LOGIN_WINDOW_SECONDS)
    auth = settings.auth_settings()
    if not auth or not passwords.verify_password(auth.get("password_hash", ""), old_password[:1024]):
        raise fail(401, "WRONG_PASSWORD", "原密码错误")
    if settings.replace_password(auth["password_hash"], passwords.hash_password(new_password)) is None:
        raise fail(409, "PERMISSION_DENIED", "密码刚被修改过", solution="请重新登录后再试")
    settings.delete_all_tokens()


# ------------------------------------------------------------------------------------------------ reset by e-mail

def _code_digest(code: str) -> str:
    return hashlib.sha256(f"kook-reset:{code}".encode()).hexdigest()


def email_config() -> dict:
    recipient, sender = config.get().reset_email_to, config.get().reset_email_from
    configured = bool(recipient and sender)
    masked = ""
    if recipient and "@" in recipient:
        name, domain = recipient.split("@", 1)
        masked = f"{name[:2]}{masking.MASK}@{domain}"
    return {"configured": configured, "email": masked}


def send_reset_code(requested_email: str | None, *, client_ip: str) -> None:
    recipient, sender = config.get().reset_email_to, config.get().reset_email_from
    if not (recipient and sender):
        raise fail(503, "EMAIL_NOT_CONFIGURED")
    throttle(f"reset#ip#{client_ip}", limit=3, window_seconds=900)
    throttle("reset#all", limit=RESET_SEND_LIMIT, window_seconds=3600)
    if requested_email and requested_email.strip().lower() != recipient.lower():
        return  # same answer as a real send: the address is not revealed by this endpoint
    code = ids.reset_code()
    settings.put_reset_code(_code_digest(code), expires_at=clock.epoch() + RESET_CODE_TTL_SECONDS)
    try:
        email.send(sender=sender, recipient=recipient, subject="KOOK消息转发系统 - 密码重置验证码",
                   text=f"您的验证码是 {code}，{RESET_CODE_TTL_SECONDS // 60} 分钟内有效。如非本人操作，请忽略。")
    except email.EmailError:
        settings.delete_reset_code()
        raise fail(502, "EMAIL_SEND_FAILED") from None


def _check_code(code: str) -> str:
    stored = settings.reset_code()
    if not stored or int(stored.get("expires_at", 0)) <= clock.epoch():
        raise fail(400, "VERIFICATION_CODE_EXPIRED")
    if not settings.count_reset_attempt(RESET_CODE_ATTEMPTS):
        raise fail(429, "VERIFICATION_CODE_TOO_MANY_ATTEMPTS")
    digest = _code_digest(str(code).strip())
    if not opaque_tokens.constant_time_equals(digest, stored.get("digest", "")):
        raise fail(400, "VERIFICATION_CODE_INVALID")
    return digest


def verify_reset_code(code: str) -> None:
    _check_code(code)


def reset_password(code: str, new_password: str) -> None:
    check_new_password(new_password)
    digest = _check_code(code)
    if not password_is_set():
        raise fail(409, "AUTH_FAILED", "尚未设置密码", solution="请先通过 POST /auth/setup 设置密码")
    if settings.reset_password(digest, passwords.hash_password(new_password)) is None:
        raise fail(400, "VERIFICATION_CODE_EXPIRED", "验证码已使用或已失效")
    settings.delete_all_tokens()
