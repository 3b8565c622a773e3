"""The user JWT keyring (`UserJwtSecret`: `{"kid": "k1", "secret": ...}`, kid-rotated) from Secrets Manager."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ccjk import config

if TYPE_CHECKING:
    from suite.security.jwt_tokens import JwtKeyring


def user_keyring() -> JwtKeyring:
    """Cached for five minutes by Powertools, so a rotated key is picked up without a redeploy. PyJWT and the
    parameters utility are imported here: device routes never need them."""
    from suite.security.jwt_tokens import load_keyring  # noqa: PLC0415

    return load_keyring(config.get().user_jwt_secret_arn)
