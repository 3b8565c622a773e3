"""Who is calling relay: the suite.auth credentials its routes declare.

- `USER`: `Authorization: Bearer <jwt>` of an active user (the admin UI's token); `auth.caller()` is a
  `logic.auth.Caller`.
- `ADMIN`: the same, and the stored role is `admin` (403 otherwise).
- `PROXY_KEY`: an `sk-` API key (`Authorization: Bearer sk-...`, what the openai and anthropic SDKs send, or
  `x-api-key`) of an active key of an active user. The proxy routes are an ASGI app whose gate checks the key
  itself (logic/proxy_gate.py, the same lookup); this credential declares them in the OpenAPI document.

Both read the user item on every request, so disabling a user or taking their admin role works at once.
"""

from __future__ import annotations

from typing import Any

from relay.logic import auth as auth_logic
from suite import auth
from suite.errors import Unauthorized


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


def _key(secret: str | None) -> Any:
    # imported here: the management functions (which import this module) never load the proxy's gate
    from relay.logic import proxy_gate  # noqa: PLC0415
    from relay.logic.proxy_pool import ProxyRefusal  # noqa: PLC0415

    if secret is None:
        raise auth.MissingCredentials("missing API key")
    try:
        return proxy_gate.grant_for(secret)
    except ProxyRefusal as refusal:
        raise Unauthorized(refusal.message) from None


def _bearer_key(event: Any) -> Any:
    return _key(auth.bearer_token(event))


def _header_key(event: Any) -> Any:
    return _key(auth.header(event, "x-api-key"))


PROXY_KEY = auth.any_of(
    auth.Credential("apiKeyBearer", {"type": "http", "scheme": "bearer", "bearerFormat": "sk-"}, _bearer_key,
                    description="an sk- API key from POST /api/api-keys, as Authorization: Bearer sk-..."),
    auth.Credential("apiKeyHeader", auth.header_scheme("x-api-key"), _header_key,
                    description="an sk- API key from POST /api/api-keys, as x-api-key"))


def caller() -> auth_logic.Caller:
    found = auth.caller()
    if found is None:
        raise RuntimeError("access.caller() outside a route that declares USER or ADMIN")
    return found
