"""Who calls kook: the admin, with a login token (or the deployment's static API token).

The token comes as `X-API-Token: <token>` (the documented header) or `Authorization: Bearer <token>` (what the
original's frontend sent); a present but bad `X-API-Token` is refused, not skipped. Routes declare
`auth=access.ADMIN`; the layer (suite.auth, suite.api) checks it before the body is read, so an unauthenticated
request with an invalid body answers 401 and learns nothing about the fields, and `suite.auth.caller()` is the
`kook.logic.auth.Caller` of the request.
"""

from __future__ import annotations

from typing import Any

from kook.errors import fail
from kook.logic import auth as login
from suite import auth
from suite.auth import Credential, MissingCredentials, any_of


def _missing() -> MissingCredentials:
    refusal = fail(401, "AUTH_FAILED", "未提供认证Token")
    return MissingCredentials(refusal.message, code=refusal.code, details=refusal.details)


def _caller_of(token: str | None) -> login.Caller:
    if token is None:
        raise _missing()
    return login.authenticate(token)


API_TOKEN = Credential("ApiToken", auth.header_scheme("X-API-Token"),
                       lambda event: _caller_of(auth.header(event, "X-API-Token")),
                       description="A login token (POST /api/auth/login) or the deployment's static API token")
BEARER = Credential("BearerToken", auth.HTTP_BEARER, lambda event: _caller_of(auth.bearer_token(event)),
                    description="The same token as `Authorization: Bearer <token>` (the original's frontend)")
ADMIN = any_of(API_TOKEN, BEARER)


def presented_token(event: Any) -> str | None:
    """The token a request (or a WebSocket `$connect` event) carries in its headers, whichever header it uses."""
    return auth.header(event, "X-API-Token") or auth.bearer_token(event)


def client_ip(event: Any) -> str:
    return auth.source_ip(event)


def caller() -> login.Caller:
    """The admin the route's credential authenticated for this request."""
    found = auth.caller()
    if found is None:
        raise RuntimeError("access.caller() outside a route that declares auth=access.ADMIN")
    return found
