"""Who may call classworks: the suite.auth credentials its routes declare (`auth=access.SITE_KEY`), and where
each one is read from, in the original's order of precedence (docs/classworks.md "Who may do what").

- `SITE_KEY` (the apps routes): `X-Site-Key` › `?sitekey` › body `sitekey`; checked only while the operator
  has configured a key, as in the original. `OPERATOR` (installations): the key must be configured (else 403).
- `DEVICE` (+ `DEVICE_IN_QUERY`, `DEVICE_IN_BODY`): the device password of the device the route acts on (path
  `deviceUuid`, `?uuid`, body `deviceUuid`): `x-device-password` › `?password` › `?currentPassword` › body
  `password`. A device without a password is open (the original's uuidAuth); the caller is the device record
  (None when there is no such device: the route answers that).
- `KV_READ`, `KV_WRITE`, `KV_DELETE`, `KV_BATCH` (the KV routes): an app token, `Authorization: Bearer` › `x-app-token`
  › `?token` › `?apptoken` › body `token` › body `apptoken`, counted against that kind's rate limit; the caller
  is the admitted `logic.kv.Session` (its rate-limit headers go on every answer).

Tokens in a path (`/api/apps/tokens/{token}`) are the credential of their own routes and are checked there
(404 `Token不存在`, as in the original): OpenAPI has no security scheme for a path segment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from classworks.logic import devices, kv, site_key
from suite import auth
from suite.body import parse_json, raw
from suite.errors import ApiError

# -- where credentials are read from -------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def body_field(event: Any, name: str) -> Any:
    """A field of a JSON object body, or None (no body, not UTF-8, not JSON, a lone surrogate, not an object):
    reading a credential never refuses a body; the route does that."""
    try:
        document = parse_json(raw(event) or b"null")
    except (ApiError, ValueError):
        return None
    return document.get(name) if isinstance(document, dict) else None


def _query(event: Any, name: str) -> str | None:
    return _text(auth.query_value(event, name))


def presented_site_key(event: Any) -> str | None:
    """`X-Site-Key` header, else `?sitekey`, else body `sitekey` (the original's order)."""
    return _text(auth.header(event, "x-site-key")) or _query(event, "sitekey") or _text(body_field(event, "sitekey"))


# Where an app token may come from, in the original's order of precedence.
TOKEN_SOURCES = ("authorization", "x-app-token", "query:token", "query:apptoken", "body:token", "body:apptoken")


def app_token(event: Any) -> tuple[str | None, str | None]:
    """(token, source): `Authorization: Bearer` › `x-app-token` › `?token` › `?apptoken` › body `token` › body
    `apptoken`. The source tells KV writes whether the body carried the token (then it is not stored)."""
    bearer = auth.bearer_token(event)
    if bearer:
        return bearer, "authorization"
    candidates: tuple[tuple[str, Callable[[], Any]], ...] = (
        ("x-app-token", lambda: auth.header(event, "x-app-token")),
        ("query:token", lambda: _query(event, "token")),
        ("query:apptoken", lambda: _query(event, "apptoken")),
        ("body:token", lambda: body_field(event, "token")),
        ("body:apptoken", lambda: body_field(event, "apptoken")),
    )
    for source, read in candidates:
        value = _text(read())
        if value:
            return value, source
    return None, None


def device_password(event: Any) -> str | None:
    """`x-device-password` › `?password` › `?currentPassword` › body `password` (the original's uuidAuth)."""
    return (_text(auth.header(event, "x-device-password")) or _query(event, "password")
            or _query(event, "currentPassword") or _text(body_field(event, "password")))


def _path(event: Any, name: str) -> Any:
    parameters = event.get("pathParameters") if isinstance(event, dict) else event.path_parameters
    return (parameters or {}).get(name)


# -- the credentials ---------------------------------------------------------------------------------------

_SITE_KEY_USE = ("The operator's site key (also `?sitekey` or body `sitekey`). The apps routes check it only while "
                 "one is configured (any value passes while none is); the operator routes need it configured.")

SITE_KEY = auth.Credential(
    "siteKey", auth.header_scheme("X-Site-Key"), lambda event: site_key.check(presented_site_key(event)),
    description=_SITE_KEY_USE)

OPERATOR = auth.Credential(
    "siteKey", auth.header_scheme("X-Site-Key"), lambda event: site_key.check_operator(presented_site_key(event)),
    description=_SITE_KEY_USE)


def _device(locate: Callable[[Any], Any]) -> auth.Credential:
    def check(event: Any) -> dict[str, Any] | None:
        uuid = locate(event)
        uuid = uuid.strip() if isinstance(uuid, str) else None
        return devices.open_device(uuid, device_password(event), auth.source_ip(event))

    return auth.Credential(
        "devicePassword", auth.header_scheme("X-Device-Password"), check, allow_anonymous=True,
        description="The device password, once the device has one (also `?password`, `?currentPassword` or body "
                    "`password`); a device without a password needs none.")


DEVICE = _device(lambda event: _path(event, "deviceUuid"))
DEVICE_IN_QUERY = _device(lambda event: _query(event, "uuid"))
DEVICE_IN_BODY = _device(lambda event: body_field(event, "deviceUuid"))


def _app_token(kind: str) -> auth.Credential:
    def check(event: Any) -> kv.Session:
        token, source = app_token(event)
        return kv.admit(token, source, kind, auth.source_ip(event))

    return auth.Credential(
        "appToken", auth.HTTP_BEARER, check,
        description="An app token (also `x-app-token`, `?token`, `?apptoken`, body `token` or `apptoken`).")


KV_READ = _app_token("read")
KV_WRITE = _app_token("write")
KV_DELETE = _app_token("delete")
KV_BATCH = _app_token("batch")
