"""How classworks makes ids, tokens and codes.

- app tokens: `cw_` + 43 URL-safe characters (256 random bits), stored as SHA-256 digests (suite.security);
- install ids: `app-<appId>` for the one install per app and device, `tok-<16 hex>` for every other token;
- device codes: `NNNN-XXXX`, 4 digits (the first not 0) and 4 base-36 upper-case characters, as the original.
"""

from __future__ import annotations

import secrets
import string

from suite.security.opaque_tokens import IssuedToken, issue_token, token_digest

TOKEN_PREFIX = "cw_"  # noqa: S105  (a public prefix that marks our tokens, not a secret)
_BASE36 = string.digits + string.ascii_uppercase

__all__ = ["TOKEN_PREFIX", "app_token", "device_code", "primary_install_id", "session_install_id", "token_digest"]


def app_token() -> IssuedToken:
    return issue_token(TOKEN_PREFIX)


def primary_install_id(app_id: int) -> str:
    return f"app-{app_id}"


def session_install_id() -> str:
    return f"tok-{secrets.token_hex(8)}"


def device_code() -> str:
    digits = 1000 + secrets.randbelow(9000)
    letters = "".join(secrets.choice(_BASE36) for _ in range(4))
    return f"{digits}-{letters}"
