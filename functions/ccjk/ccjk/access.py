"""Who is calling: a device by its `X-Device-Token`, a user by `Authorization: Bearer <jwt>`.

Device tokens are opaque (`dt_` + 256 random bits) and stored only as SHA-256 digests; user tokens are JWTs
(logic/sessions.py).
"""

from __future__ import annotations

from ccjk.logic import devices, sessions
from ccjk.models.entities import Device
from suite.errors import Unauthorized


def device_for_token(token: str | None, *, touch: bool = True) -> Device:
    if not token:
        raise Unauthorized("Missing X-Device-Token header")
    return devices.authenticate(token, touch=touch)


def user_for_authorization(header: str | None) -> str:
    """The user id of a valid `Bearer` token."""
    if not header:
        raise Unauthorized("Missing Authorization header")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Authorization must be a Bearer token")
    return sessions.user_id_for(token.strip())
