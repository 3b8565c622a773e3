"""User sessions: JWTs (HS256, kid-rotated keyring from `UserJwtSecret`, issuer `ccjk`, audience `ccjk-user`,
USER_TOKEN_TTL_SECONDS, 7 days by default). PyJWT is imported only where user tokens are handled: device routes
never need it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ccjk import clock, config
from ccjk.store import keyring
from suite.errors import Unauthorized

if TYPE_CHECKING:
    from suite.security.jwt_tokens import JwtCodec

USER_AUDIENCE = "ccjk-user"
ISSUER = "ccjk"


def codec() -> JwtCodec:
    from suite.security.jwt_tokens import JwtCodec  # noqa: PLC0415

    return JwtCodec(keyring.user_keyring(), issuer=ISSUER, audience=USER_AUDIENCE,
                    ttl_seconds=config.get().user_token_ttl_seconds)


def issue(user_id: str) -> tuple[str, str]:
    """A JWT for the user and when it expires (ISO)."""
    now = clock.now()
    user_codec = codec()
    return user_codec.issue(user_id, now=now), clock.iso(now + user_codec.ttl_seconds)


def user_id_for(token: str) -> str:
    """The user id of a valid token; 401 for anything else (forged, expired, another audience)."""
    from suite.security.jwt_tokens import InvalidToken  # noqa: PLC0415

    try:
        claims = codec().verify(token)
    except InvalidToken:
        raise Unauthorized("Invalid or expired session", code="INVALID_TOKEN") from None
    return str(claims["sub"])
