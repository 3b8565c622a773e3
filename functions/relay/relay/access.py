"""Who is calling relay: the suite.auth credentials its routes declare.

- `USER`: `Authorization: Bearer <jwt>` of an active user (the admin UI's token); `auth.caller()` is a
  `logic.auth.Caller`.
- `ADMIN`: the same, and the stored role is `admin` (403 otherwise).

Both read the user item on every request, so disabling a user or taking their admin role works at once.
"""

from __future__ import annotations

from typing import Any

from relay.logic import auth as auth_logic
from suite import auth


def _user(event: Any) -> auth_logic.Caller:
    token = auth.bearer_token(event)
    if token is None:
        raise auth.MissingCredentials("missing authorization token")
    return auth_logic.authenticate(token)


def _admin(event: Any) -> auth_logic.Caller:
    return auth_logic.require_admin(_user(event))


_SCHEME = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}

USER = auth.Credential("bearerAuth", _SCHEME, _user, description="JWT from POST /api/auth/login (24 h)")
ADMIN = auth.Credential("bearerAuth", _SCHEME, _admin,
                        description="JWT from POST /api/auth/login of a user whose role is admin")


def caller() -> auth_logic.Caller:
    found = auth.caller()
    if found is None:
        raise RuntimeError("access.caller() outside a route that declares USER or ADMIN")
    return found
