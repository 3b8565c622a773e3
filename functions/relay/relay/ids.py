"""How relay makes ids, keys and codes (tests replace these to know what comes next)."""

from __future__ import annotations

import base64
import hashlib
import secrets

from relay import clock

KEY_PREFIX = "sk-"


def api_key() -> str:
    """`sk-` + 64 hex (256 random bits), the original's format."""
    return KEY_PREFIX + secrets.token_hex(32)


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def captcha_code() -> str:
    return f"{secrets.randbelow(10000):04d}"


def token(nbytes: int = 16) -> str:
    return secrets.token_urlsafe(nbytes)


def pkce_pair() -> tuple[str, str]:
    """(verifier, S256 challenge) for OAuth PKCE (RFC 7636)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()
    return verifier, challenge


def log_id() -> int:
    """Request and operation log ids: epoch milliseconds × 1000 + a random tail, so ids sort by time and name
    the day (or month) partition they live in."""
    return int(clock.now() * 1000) * 1000 + secrets.randbelow(1000)


def log_id_seconds(log_id_value: int) -> float:
    return (log_id_value // 1000) / 1000
