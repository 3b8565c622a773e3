"""Who is calling certctrl: the credentials routes declare, in one place (docs/certctrl.md, "Credentials").

    @router.get("/apiv1/users/<user_id>/devices", auth=access.user("devices", "read"))   # cookie or scoped key
    @router.post("/auth/logout", auth=access.SESSION)                                     # the cookie only
    @router.get("/apiv1/devices/self/updates", auth=access.DEVICE)                        # the device JWT

- `SESSION`: the cookie `cjj365=<session id>`.
- `user(obtype, action, object_param=None)`: the cookie, or an API key (`Authorization: Bearer ak_...`) whose
  permissions allow `action` on `obtype` for the object whose id is the path parameter `object_param` (none:
  the route is about the collection, and the key needs `obid "*"`). `obtype=None`: any valid key.
- Both check that a `{user_id}` in the path is the caller's own id: 403 otherwise.
- `APIKEY`: an API key only (the `/apiv1/me/...` automation routes); the route checks the scope it needs.
- `DEVICE`: `Authorization: Bearer <device access JWT>` (HS256, `device_id` claim), for a device that still
  exists and is ACTIVE.

A credential of the wrong kind is refused, never ignored: a device JWT or an API key on a cookie route, a
cookie or an API key on a device route → 401.
"""

from __future__ import annotations

from typing import Any

from certctrl.logic import apikeys, device_sessions, permissions, sessions
from certctrl.logic.callers import UserCaller
from suite.auth import (
    HTTP_BEARER,
    Credential,
    MissingCredentials,
    any_of,
    bearer_token,
    cookie_scheme,
    header,
    optional,
)
from suite.errors import Forbidden, Unauthorized

COOKIE = sessions.COOKIE


def _cookies(event: Any) -> list[str]:
    found = getattr(event, "cookies", None)
    if found is None and isinstance(event, dict):
        found = event.get("cookies")
    found = list(found or [])
    if not found:  # a gateway that left the Cookie header alone
        found = [part.strip() for part in (header(event, "Cookie") or "").split(";") if part.strip()]
    return found


def session_cookie(event: Any) -> str | None:
    for cookie in _cookies(event):
        name, _, value = cookie.partition("=")
        if name.strip() == COOKIE and value.strip():
            return value.strip().strip('"')
    return None


def path_parameter(event: Any, name: str) -> str | None:
    params = getattr(event, "path_parameters", None)
    if params is None and isinstance(event, dict):
        params = event.get("pathParameters")
    value = (params or {}).get(name)
    return value if isinstance(value, str) else None


def _check_session(event: Any) -> UserCaller:
    session_id = session_cookie(event)
    if session_id is None:
        raise MissingCredentials("Sign in first", code="401")
    caller = sessions.current(session_id)
    if caller is None:
        raise Unauthorized("The session has ended; sign in again", code="401")
    return caller


def _check_session_if_valid(event: Any) -> UserCaller:
    """For `/auth/status`: an unknown or ended session counts as nobody signed in, not as an error."""
    session_id = session_cookie(event)
    caller = sessions.current(session_id) if session_id else None
    if caller is None:
        raise MissingCredentials("Not signed in")
    return caller


def _check_api_key(event: Any) -> UserCaller:
    token = bearer_token(event)
    if token is None or not token.startswith(apikeys.PREFIX):
        raise MissingCredentials("Missing credentials", code="401")
    return apikeys.authenticate(token)


def _check_device(event: Any) -> Any:
    token = bearer_token(event)
    if token is None:
        raise MissingCredentials("A device access token is required", code="401")
    if token.startswith(apikeys.PREFIX):
        raise Unauthorized("API keys cannot call device routes", code="401")
    return device_sessions.authenticate(token)


SESSION = Credential("session", cookie_scheme(COOKIE), _check_session,
                     "The session cookie set by POST /auth/general (action login)")
SESSION_IF_VALID = optional(Credential("session", cookie_scheme(COOKIE), _check_session_if_valid,
                                       "The session cookie set by POST /auth/general (action login)"))
APIKEY = Credential("apiKey", {**HTTP_BEARER, "bearerFormat": "ak_<id>.<secret>"}, _check_api_key,
                    "An API key created at /apiv1/users/{user_id}/apikeys")
DEVICE = Credential("deviceJwt", {**HTTP_BEARER, "bearerFormat": "JWT"}, _check_device,
                    "The device access token from device registration or POST /auth/refresh")
def _own_path(caller: UserCaller, event: Any) -> None:
    user_id = path_parameter(event, "user_id")
    if user_id is not None and user_id != str(caller.user_id):
        raise Forbidden("This path belongs to another user", code="403")


def user(obtype: str | None, action: str = "read", object_param: str | None = None, *,
         also: tuple[tuple[str, str], ...] = ()) -> Credential:
    """The cookie, or an API key allowed `action` on `obtype` (or one of the `also` (obtype, action) pairs); see
    the module docstring."""

    def finish(caller: UserCaller, event: Any) -> UserCaller:
        _own_path(caller, event)
        if caller.via == "apikey" and obtype is not None:
            obid = path_parameter(event, object_param) if object_param else None
            if not any(permissions.allows(caller.permissions, kind, verb, obid) for kind, verb in also):
                permissions.require(caller.permissions, obtype, action, obid)
        return caller

    by_cookie = Credential(SESSION.scheme_name, SESSION.scheme, lambda event: finish(_check_session(event), event),
                           SESSION.description)
    by_key = Credential(APIKEY.scheme_name, APIKEY.scheme, lambda event: finish(_check_api_key(event), event),
                        APIKEY.description)
    return any_of(by_cookie, by_key, scheme_name="session|apiKey")


def session_only() -> Credential:
    """The cookie, and a `{user_id}` in the path must be the caller's."""
    return Credential(SESSION.scheme_name, SESSION.scheme, lambda event: _own(_check_session(event), event),
                      SESSION.description)


def _own(caller: UserCaller, event: Any) -> UserCaller:
    _own_path(caller, event)
    return caller


def api_key_only(obtype: str, action: str, *, also: tuple[tuple[str, str], ...] = (),
                 object_param: str | None = None) -> Credential:
    """An API key allowed `action` on `obtype` (or one of the `also` pairs): the `/apiv1/me/...` automation routes,
    and the internal worker's routes (`object_param` names the path parameter of the object, as in `user`; a
    `{user_id}` in the path must be the key owner's)."""

    def check(event: Any) -> UserCaller:
        caller = _check_api_key(event)
        _own_path(caller, event)
        obid = path_parameter(event, object_param) if object_param else None
        if not any(permissions.allows(caller.permissions, kind, verb, obid) for kind, verb in also):
            permissions.require(caller.permissions, obtype, action, obid)
        return caller

    return Credential(APIKEY.scheme_name, APIKEY.scheme, check, APIKEY.description)
