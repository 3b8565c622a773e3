"""Random bearer tokens (API keys, device/app/site tokens) that are stored only as digests.

The plaintext is shown to its owner once; the database keeps ``token_digest(token)`` and a display hint. A plain
SHA-256 is enough here, unlike for passwords: a token carries ≥ 128 random bits, so there is nothing to brute-force.
A recognisable prefix (``sk-``) lets leak scanners and humans tell what a string is.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

MIN_TOKEN_BYTES = 16  # 128 bits of entropy: below this a fast digest would no longer be safe storage
MASK = "****"
ELLIPSIS = "…"


def generate_token(prefix: str = "", nbytes: int = 32) -> str:
    """``prefix`` + ``nbytes`` random bytes, URL-safe base64 (43 characters for the default 32 bytes)."""
    if nbytes < MIN_TOKEN_BYTES:
        raise ValueError(f"nbytes must be at least {MIN_TOKEN_BYTES}")
    return prefix + secrets.token_urlsafe(nbytes)


def token_digest(token: str) -> str:
    """SHA-256 hex of the token: the value to store and to look the token up by."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def constant_time_equals(a: str, b: str) -> bool:
    """Compare secrets without leaking where they differ (bytes, so non-ASCII input cannot raise)."""
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def digest_matches(token: str, digest: str) -> bool:
    return constant_time_equals(token_digest(token), digest.lower())


def display_hint(token: str, keep: int = 4, *, prefix: str = "") -> str:
    """``sk-abcd…wxyz``: the prefix, then at most ``keep`` characters of the secret part on each side.

    Pass the ``prefix`` the token was issued with; otherwise the whole string counts as secret, which only ever
    shows less. The ends are shown only when together they are at most half of the secret part, so short tokens
    are fully masked.
    """
    if prefix and token.startswith(prefix):
        body = token[len(prefix) :]
    else:
        prefix, body = "", token
    if keep <= 0 or len(body) < 4 * keep:
        return prefix + MASK
    return f"{prefix}{body[:keep]}{ELLIPSIS}{body[-keep:]}"


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A freshly issued token. ``plaintext`` goes to the owner once; store ``digest`` and ``hint``."""

    plaintext: str = field(repr=False)  # keep it out of logs and tracebacks
    digest: str
    hint: str


def issue_token(prefix: str = "", nbytes: int = 32) -> IssuedToken:
    token = generate_token(prefix, nbytes)
    return IssuedToken(plaintext=token, digest=token_digest(token), hint=display_hint(token, prefix=prefix))
