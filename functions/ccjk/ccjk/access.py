"""Who is calling: a device by its `X-Device-Token`, a user by `Authorization: Bearer <jwt>`.

Device tokens are opaque (`dt_` + 256 random bits) and stored only as SHA-256 digests; user tokens are JWTs
(HS256, kid-rotated keyring from Secrets Manager, audience `ccjk-user`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ccjk import clock, settings
from ccjk.data import devices as device_data
from ccjk.models import Device
from suite.errors import NotFound, Unauthorized
from suite.security.opaque_tokens import IssuedToken, issue_token, token_digest

if TYPE_CHECKING:
    from suite.security.jwt_tokens import JwtCodec

DEVICE_TOKEN_PREFIX = "dt_"  # noqa: S105 (a prefix, not a secret)
MAX_TOKEN_LENGTH = 512
USER_AUDIENCE = "ccjk-user"
ISSUER = "ccjk"
TOUCH_INTERVAL_SECONDS = 60


def new_device_token() -> IssuedToken:
    return issue_token(DEVICE_TOKEN_PREFIX)


def device_for_token(token: str | None, *, touch: bool = True) -> Device:
    if not token:
        raise Unauthorized("Missing X-Device-Token header")
    if len(token) > MAX_TOKEN_LENGTH:
        raise Unauthorized("Invalid device token", code="INVALID_TOKEN")
    device = device_data.for_token_digest(token_digest(token))
    if device is None:
        raise Unauthorized("Invalid device token", code="INVALID_TOKEN")
    if touch:
        now = clock.now()
        stale_before = clock.iso(now - TOUCH_INTERVAL_SECONDS)
        if device.last_seen_at < stale_before:  # at most one activity write per device per minute
            device_data.touch(device.device_id, clock.iso(now), stale_before)
    return device


def own_device(device: Device, device_id: str) -> Device:
    """A device token reaches only its own device: any other id is 'not found', whether it exists or not."""
    if device_id != device.device_id:
        raise NotFound("Device not found", code="DEVICE_NOT_FOUND")
    return device


def _codec() -> JwtCodec:
    """PyJWT is imported only where user tokens are handled (device routes never need it)."""
    from suite.security.jwt_tokens import JwtCodec, load_keyring  # noqa: PLC0415

    # load_keyring caches the secret for five minutes, so a rotated key is picked up without a redeploy.
    return JwtCodec(load_keyring(settings.user_jwt_secret_arn()), issuer=ISSUER, audience=USER_AUDIENCE,
                    ttl_seconds=settings.user_token_ttl_seconds())


def issue_user_token(user_id: str) -> tuple[str, str]:
    """A JWT for the user and when it expires (ISO)."""
    now = clock.now()
    codec = _codec()
    return codec.issue(user_id, now=now), clock.iso(now + codec.ttl_seconds)


def user_for_authorization(header: str | None) -> str:
    """The user id of a valid `Bearer` token."""
    if not header:
        raise Unauthorized("Missing Authorization header")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Authorization must be a Bearer token")
    from suite.security.jwt_tokens import InvalidToken  # noqa: PLC0415

    try:
        claims = _codec().verify(token.strip())
    except InvalidToken:
        raise Unauthorized("Invalid or expired session", code="INVALID_TOKEN") from None
    return str(claims["sub"])
