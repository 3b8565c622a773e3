"""Device sessions: the device access JWT and the rotating refresh tokens behind it.

- Access token: HS256 JWT, `sub` = user id, `device_id` = the device's numeric id, `exp` (ACCESS_TOKEN_TTL_SECONDS,
  3600 by default), plus `iss`/`aud`/`iat`/`nbf`/`jti`. Read by the agent (it decodes `exp` and `device_id`).
- Refresh token: `rt_<id>.<secret>`, 30 days, one chain ("family") per registration. `POST /auth/refresh`
  rotates it: the presented token dies and its successor is returned. Presenting a rotated token again means it
  was copied: the whole family is revoked and the answer is 401 with code 10003 (`refresh_token_rotated`), which
  the agent reads as "sign in again". Registering the device again starts a new family and revokes the old one.
"""

from __future__ import annotations

from typing import Any

from certctrl import clock, config, ids
from certctrl.errors import RefreshTokenRotated
from certctrl.logic.callers import DeviceCaller
from certctrl.models.entities import RefreshToken
from certctrl.store import devices, keys, limits, tokens
from suite.errors import TooManyRequests, Unauthorized
from suite.security.jwt_tokens import InvalidToken
from suite.security.opaque_tokens import digest_matches

PREFIX = "rt_"


def access_pair(user_id: int, device_id: int, refresh_token: str) -> dict[str, Any]:
    """A fresh access JWT beside `refresh_token`: `{access_token, refresh_token, token_type, expires_in}`."""
    codec = keys.device_codec()
    access = codec.issue(str(user_id), claims={"device_id": device_id}, now=clock.now())
    return {"access_token": access, "refresh_token": refresh_token, "token_type": "Bearer",
            "expires_in": codec.ttl_seconds}


def _token(family_id: str, user_id: int, device_id: int) -> tuple[RefreshToken, str]:
    token_id, issued = ids.refresh_token()
    now = clock.epoch()
    token = RefreshToken(tokens.token_key(token_id), "RT", family_id=family_id, digest=issued.digest,
                         state="active", user_id=user_id, device_id=device_id, created_at=now,
                         expires_at=now + config.get().refresh_token_ttl_seconds)
    return token, issued.plaintext


def end(family_id: str | None, reason: str) -> None:
    if family_id:
        tokens.revoke_family(family_id, reason)


def parse(refresh_token: str) -> tuple[str, str] | None:
    """(token id, the whole token) of a well-formed `rt_<id>.<secret>`, else None."""
    head, dot, secret = refresh_token.strip().partition(".")
    token_id = head[len(PREFIX):]
    if not head.startswith(PREFIX) or not dot or not secret or not token_id.isalnum() or len(refresh_token) > 256:
        return None
    return token_id, refresh_token.strip()


def current_token(refresh_token: str) -> RefreshToken | None:
    """The active, unexpired token this string is, in an active family; None otherwise (no side effects)."""
    parsed = parse(refresh_token)
    if parsed is None:
        return None
    token = tokens.get_token(parsed[0])
    if token is None or not digest_matches(parsed[1], token.digest) or token.state != "active":
        return None
    if token.expires_at <= clock.epoch():
        return None
    family = tokens.get_family(token.family_id)
    return token if family is not None and family.state == "active" else None


def refresh(refresh_token: str, *, ip: str) -> dict[str, Any]:
    decision = limits.hit(f"refresh-ip#{ip}", limit=60, window_seconds=60)
    if not decision.allowed:
        raise TooManyRequests("Too many refreshes; try again later", retry_after=decision.retry_after,
                              details={"params": {"retry_after": decision.retry_after}})
    parsed = parse(refresh_token)
    invalid = Unauthorized("Invalid refresh token", code="401")
    if parsed is None:
        raise invalid
    token = tokens.get_token(parsed[0])
    if token is None or not digest_matches(parsed[1], token.digest):
        raise invalid
    family = tokens.get_family(token.family_id)
    if family is None or family.state != "active":
        raise RefreshTokenRotated("Refresh token has been rotated; the token family is revoked")
    if token.state != "active":
        tokens.revoke_family(token.family_id, "rotated token reused")
        raise RefreshTokenRotated()
    if token.expires_at <= clock.epoch():
        raise Unauthorized("Refresh token expired", code="401")
    device = devices.get(int(token.user_id), int(token.device_id))
    if device is None or device.status != "ACTIVE" or device.session_family != token.family_id:
        raise invalid
    return rotate(token)


def rotate(token: RefreshToken) -> dict[str, Any]:
    """Replace an active token by its successor and answer the new pair (a lost race revokes the family)."""
    successor, plaintext = _token(token.family_id, int(token.user_id), int(token.device_id))
    try:
        tokens.rotate(token, successor)
    except tokens.Conflict:
        tokens.revoke_family(token.family_id, "concurrent rotation")
        raise RefreshTokenRotated() from None
    return access_pair(int(token.user_id), int(token.device_id), plaintext)


def authenticate(access_token: str) -> DeviceCaller:
    """The device of a valid access JWT; 401 when the token is invalid or the device is gone or disabled."""
    refused = Unauthorized("Invalid or expired device token", code="401")
    try:
        claims = keys.device_codec().verify(access_token)
    except InvalidToken:
        raise refused from None
    device_id, subject = claims.get("device_id"), claims.get("sub")
    if not isinstance(device_id, int) or not str(subject or "").isdigit():
        raise refused
    device = devices.get(int(subject), device_id)
    if device is None or device.status != "ACTIVE":
        raise refused
    return DeviceCaller(user_id=int(subject), device=device, claims=claims)
