"""How certctrl makes ids, tokens and codes. Every secret here is stored only as its SHA-256 digest
(suite.security.opaque_tokens); numeric ids of users, devices and API keys come from counters (store/counters).

| what | shape | entropy |
|---|---|---|
| session id (cookie `cjj365`) | 43 URL-safe characters | 256 bits |
| API key | `ak_<key id>.<43 characters>` | 256 bits |
| refresh token | `rt_<token id>.<43 characters>` | 256 bits (+ the id) |
| device code | 43 URL-safe characters | 256 bits |
| user code | `XXXX-XXXX`, 31 unambiguous letters and digits (the agent checks A-Z0-9) | ~39 bits, short-lived |
| registration code | 32 URL-safe characters | 192 bits |
| e-mail code | 6 digits | 5 attempts, 30 minutes |
"""

from __future__ import annotations

import secrets

from suite.security.opaque_tokens import IssuedToken, issue_token, token_digest

USER_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed by people

__all__ = ["IssuedToken", "api_key", "device_code", "digest", "email_code", "refresh_token", "registration_code",
           "session_id", "token_family_id", "user_code"]


def digest(secret: str) -> str:
    return token_digest(secret)


def session_id() -> str:
    return secrets.token_urlsafe(32)


def api_key(key_id: int) -> IssuedToken:
    return issue_token(f"ak_{key_id}.")


def refresh_token() -> tuple[str, IssuedToken]:
    """(token id, the token `rt_<id>.<secret>`)."""
    token_id = secrets.token_hex(12)
    return token_id, issue_token(f"rt_{token_id}.")


def token_family_id() -> str:
    return secrets.token_hex(12)


def device_code() -> str:
    return secrets.token_urlsafe(32)


def user_code() -> str:
    letters = [secrets.choice(USER_CODE_ALPHABET) for _ in range(8)]
    return "".join(letters[:4]) + "-" + "".join(letters[4:])


def registration_code() -> str:
    return secrets.token_urlsafe(24)


def email_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"
