"""Who is calling ccjk: the suite.auth credentials its routes declare with `auth=`.

- `DEVICE`: a device by its `X-Device-Token` (opaque, `dt_` + 256 random bits, stored only as a SHA-256 digest);
  the caller is the `Device`. Its activity (`lastSeenAt`) is recorded at most once a minute.
- `USER`: a user by `Authorization: Bearer <jwt>` (logic/sessions.py; a signed-out token is refused); the caller
  is the user id. `USER_SESSION` is the same check whose caller is the session itself (logout needs its `jti`).
- `DEVICE_IF_VALID`: the routes a device may call with or without its token (`POST /device/register`,
  `POST /bind/use`): a valid token makes the caller a `PresentedDevice`, anything else (none, unknown, malformed)
  leaves it anonymous (`suite.auth.caller()` is None) — those routes then create a new device.

Routes read the caller with `suite.auth.caller()`. Ownership is the logic's: a device token reaches only its own
device (`devices.own`), a user only their own devices, codes and items.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ccjk import ids
from ccjk.logic import devices, sessions
from ccjk.models.entities import Device
from suite import auth
from suite.errors import ApiError, Unauthorized

DEVICE_TOKEN_HEADER = "X-Device-Token"  # noqa: S105 (a header name, not a secret)
_DEVICE_SCHEME = auth.header_scheme(DEVICE_TOKEN_HEADER)
_DEVICE_DESCRIPTION = "The device token (`dt_…`) from POST /device/register or POST /bind/use"


@dataclass(frozen=True)
class PresentedDevice:
    """A device that presented a valid token on a route where the token is optional, with that token."""

    device: Device
    token: str


def _device(event: Any) -> Device:
    token = auth.header(event, DEVICE_TOKEN_HEADER)
    if token is None:
        raise auth.MissingCredentials("Missing X-Device-Token header")
    return devices.authenticate(token)


def _device_if_valid(event: Any) -> PresentedDevice:
    token = auth.header(event, DEVICE_TOKEN_HEADER)
    device = devices.find_by_token(token) if token else None
    if device is None or token is None:
        raise auth.MissingCredentials("No valid X-Device-Token")  # not refused: the caller is anonymous
    return PresentedDevice(device, token)


def _bearer(event: Any) -> str:
    value = auth.header(event, "Authorization")
    if value is None:
        raise auth.MissingCredentials("Missing Authorization header")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Authorization must be a Bearer token")
    return token.strip()


def _user_session(event: Any) -> sessions.UserSession:
    return sessions.verify(_bearer(event))


def _user(event: Any) -> str:
    return _user_session(event).user_id


DEVICE = auth.Credential("deviceToken", _DEVICE_SCHEME, _device, description=_DEVICE_DESCRIPTION)

# -- issue 18: the real client's core -----------------------------------------------------------------------------
POLL_RETRY_AFTER_SECONDS = 30


def _polling_device(event: Any) -> Device:
    """A device token on `GET /reply/poll`. A refusal says when to come back (`Retry-After`): the notification
    client polls again at once after any failed poll, and only an answer can slow it down."""
    try:
        return _device(event)
    except ApiError as refused:
        refused.headers.setdefault("Retry-After", str(POLL_RETRY_AFTER_SECONDS))
        raise


DEVICE_POLLING = auth.Credential("deviceToken", _DEVICE_SCHEME, _polling_device, description=_DEVICE_DESCRIPTION)
DEVICE_IF_VALID = auth.optional(
    auth.Credential("deviceToken", _DEVICE_SCHEME, _device_if_valid, description=_DEVICE_DESCRIPTION))
_USER_SCHEME = {**auth.HTTP_BEARER, "bearerFormat": "JWT"}
_USER_DESCRIPTION = "A user session: the token of POST /auth/login or POST /auth/verify"
USER = auth.Credential("userJwt", _USER_SCHEME, _user, description=_USER_DESCRIPTION)
# The same credential, the caller being the verified session (`sessions.UserSession`: user id, jti, expiry).
USER_SESSION = auth.Credential("userJwt", _USER_SCHEME, _user_session, description=_USER_DESCRIPTION)



def _device_bearer(event: Any) -> Device:
    """A device token sent as `Authorization: Bearer dt_…` (the daemon's MobileControlClient does): any other
    Bearer token is not this credential's (a user's JWT is tried next)."""
    value = auth.bearer_token(event)
    if value is None or not value.startswith(ids.DEVICE_TOKEN_PREFIX):
        raise auth.MissingCredentials("Missing device token")
    return devices.authenticate(value)


DEVICE_BEARER = auth.Credential("deviceBearer", {**auth.HTTP_BEARER, "bearerFormat": "dt_ device token"},
                                _device_bearer, description="A device token as a Bearer token")
# A device for itself (X-Device-Token, or its token as a Bearer token) or a user for one of their devices: the
# caller is a `Device` or a user id. Routes that act on a device check which device it may reach.
DEVICE_OR_USER = auth.any_of(DEVICE, DEVICE_BEARER, USER)
