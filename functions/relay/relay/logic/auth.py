"""Who calls: JWTs (24 h, HS256 pinned, `role` claim) and the user behind them, checked on every request.

A token proves who signed in; whether they may still act is read from the user item on each request (one
consistent GetItem, nothing cached): a disabled or deleted user, or a token issued before the user's
`tokens_valid_after` (set when the password changes), is refused at once, and the role is the stored one.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from relay import clock, config
from relay.store import secrets, users
from suite.errors import Forbidden, Unauthorized
from suite.security import jwt_tokens

AUDIENCE = "relay-api"


@dataclass(frozen=True)
class Caller:
    id: int
    username: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@functools.lru_cache(maxsize=4)
def _codec(keyring: jwt_tokens.JwtKeyring, issuer: str, ttl: int) -> jwt_tokens.JwtCodec:
    return jwt_tokens.JwtCodec(keyring, issuer=issuer, audience=AUDIENCE, ttl_seconds=ttl, algorithm="HS256")


def codec() -> jwt_tokens.JwtCodec:
    settings = config.get()
    return _codec(secrets.jwt_keyring(), settings.jwt_issuer, settings.jwt_ttl_seconds)


def issue(user_id: int, username: str, role: str) -> str:
    return codec().issue(str(user_id), claims={"user_id": user_id, "username": username, "role": role},
                         now=clock.now())


def authenticate(token: str | None) -> Caller:
    """The active user a bearer token belongs to, or 401."""
    if not token:
        raise Unauthorized("missing authorization token")
    try:
        claims = codec().verify(token)
    except jwt_tokens.InvalidToken:
        raise Unauthorized("invalid or expired token") from None
    subject = claims.get("sub", "")
    if not subject.isdigit():
        raise Unauthorized("invalid or expired token")
    user = users.get(int(subject))
    if user is None or user.status != "active":
        raise Unauthorized("user is disabled or no longer exists")
    if int(claims.get("iat", 0)) < int(user.tokens_valid_after or 0):
        raise Unauthorized("invalid or expired token")
    return Caller(id=user.id, username=user.username, role=user.role)


def require_admin(caller: Caller) -> Caller:
    if not caller.is_admin:
        raise Forbidden("admin role required")
    return caller
