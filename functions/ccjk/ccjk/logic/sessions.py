"""User sessions: JWTs (HS256, kid-rotated keyring from `UserJwtSecret`, issuer `ccjk`, audience `ccjk-user`,
USER_TOKEN_TTL_SECONDS, 7 days by default), each with a `jti`. Password login and e-mail code sign-in issue the
same token; `POST /auth/logout` revokes it by its `jti` (store/revocations: one GetItem per Bearer check). PyJWT is
imported only where user tokens are handled: device routes never need it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ccjk import clock, config
from ccjk.store import keyring, revocations
from suite.errors import Unauthorized

if TYPE_CHECKING:
    from suite.security.jwt_tokens import JwtCodec

USER_AUDIENCE = "ccjk-user"
ISSUER = "ccjk"
INVALID_SESSION = "Invalid or expired session"


@dataclass(frozen=True)
class UserSession:
    """A verified user token: whose it is, its id (`jti`) and when it expires (epoch seconds)."""

    user_id: str
    jti: str
    expires_at: int


def codec() -> JwtCodec:
    from suite.security.jwt_tokens import JwtCodec  # noqa: PLC0415

    return JwtCodec(keyring.user_keyring(), issuer=ISSUER, audience=USER_AUDIENCE,
                    ttl_seconds=config.get().user_token_ttl_seconds)


def issue(user_id: str) -> tuple[str, str]:
    """A JWT for the user and when it expires (ISO)."""
    now = clock.now()
    user_codec = codec()
    return user_codec.issue(user_id, now=now), clock.iso(now + user_codec.ttl_seconds)


def verify(token: str) -> UserSession:
    """The session of a valid, not signed-out token; 401 for anything else (forged, expired, another audience,
    logged out)."""
    from suite.security.jwt_tokens import InvalidToken  # noqa: PLC0415

    try:
        claims = codec().verify(token)
    except InvalidToken:
        raise Unauthorized(INVALID_SESSION, code="INVALID_TOKEN") from None
    session = UserSession(str(claims["sub"]), str(claims.get("jti") or ""), int(claims["exp"]))
    if not session.jti or revocations.is_revoked(session.jti, int(clock.now())):
        raise Unauthorized(INVALID_SESSION, code="INVALID_TOKEN")
    return session


def user_id_for(token: str) -> str:
    return verify(token).user_id


def revoke(session: UserSession) -> None:
    """Sign out: the token stops working at once (kept revoked until it would have expired)."""
    revocations.revoke(session.jti, session.expires_at)
