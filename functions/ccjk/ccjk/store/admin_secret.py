"""The admin credentials (`AdminCredentialsSecret`: `{"username", "password"}`) from Secrets Manager, cached for
five minutes by Powertools; `fresh=True` reads it again (after a rotation, a cached value would refuse the new
password until it expires)."""

from __future__ import annotations

import json

from ccjk import config


def credentials(*, fresh: bool = False) -> tuple[str, str] | None:
    """(username, password), or None when the secret is not configured or not readable as such."""
    from aws_lambda_powertools.utilities import parameters  # noqa: PLC0415 (the admin function only)

    arn = config.market().admin_credentials_secret_arn
    if not arn:
        return None
    value = parameters.get_secret(arn, max_age=300, force_fetch=fresh)
    try:
        document = json.loads(value.decode() if isinstance(value, bytes) else value)
    except ValueError:
        return None
    username, password = document.get("username"), document.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
        return None
    return username, password
