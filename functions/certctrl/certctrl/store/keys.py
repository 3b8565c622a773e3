"""The device access token codec: HS256 with the keyring kept in Secrets Manager (DeviceJwtSecret)."""

from __future__ import annotations

from certctrl import config
from suite.security.jwt_tokens import JwtCodec, load_keyring

ISSUER = "cert-ctrl"
DEVICE_AUDIENCE = "cert-ctrl-device"

_codec: list[JwtCodec] = []


def device_codec() -> JwtCodec:
    """Rebuilt only when the keyring changes (Powertools caches the secret for 5 minutes, and the parsed keyring
    is cached per secret value, so an unchanged secret keeps the same keyring object)."""
    settings = config.get()
    keyring = load_keyring(settings.require("device_jwt_secret"))
    ttl = settings.access_token_ttl_seconds
    if not _codec or _codec[0].keyring is not keyring or _codec[0].ttl_seconds != ttl:
        _codec[:] = [JwtCodec(keyring, issuer=ISSUER, audience=DEVICE_AUDIENCE, ttl_seconds=ttl)]
    return _codec[0]
