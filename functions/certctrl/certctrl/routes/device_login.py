"""Device login and registration: `POST /auth/device`, `POST /apiv1/device/registration`, `POST /apiv1/me/devices`."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from certctrl import access
from certctrl.api import ENVELOPE
from certctrl.logic import device_flow, registration
from certctrl.models.device_login import (
    DeviceAction,
    DeviceMetadata,
    DevicePoll,
    DeviceStart,
    PollView,
    RegisteredView,
    Registration,
    StartView,
    VerifyView,
)
from certctrl.routes import common
from suite import auth
from suite.api import Router
from suite.errors import Unauthorized

router = Router()
DEVICE_REGISTRATION = access.api_key_only("ForDeviceAuthenticate", "authenticate", also=(("devices", "create"),))


@router.post("/auth/device", auth=access.SESSION_IF_VALID, returns=StartView | VerifyView | PollView,
             errors=(401, 404, 409, 429), summary="Device login: device_start, device_verify (signed in), device_poll",
             description="`device_poll` always answers 200 with `data.status` (authorization_pending, slow_down, "
                         "access_denied, expired, ready); `ready` carries the single-use registration_code.",
             tags=["device-login"])
def device_auth(request: Annotated[DeviceAction, Body()]):
    if isinstance(request, DeviceStart):
        return ENVELOPE.ok(device_flow.start(scopes=request.scopes, interval=request.interval,
                                             expires_in=request.expires_in, ip=common.client_ip(router)))
    if isinstance(request, DevicePoll):
        return ENVELOPE.ok(device_flow.poll(device_code=request.device_code))
    caller = auth.caller()
    if caller is None:
        raise Unauthorized("device_verify needs a signed-in user (the session cookie)", code="401")
    return ENVELOPE.ok(device_flow.verify(caller, user_code=request.user_code, approve=request.approve))


@router.post("/apiv1/device/registration", returns=RegisteredView, errors=(401, 409, 429),
             summary="Register a device with the registration code of device_poll",
             description="Answers `{device, session}`; the session holds the device's access JWT and refresh "
                         "token. The same device_public_id registers the same device again with new tokens.",
             tags=["device-login"])
def register(request: Registration):
    return ENVELOPE.ok(registration.with_code(request, ip=common.client_ip(router)))


@router.post("/apiv1/me/devices", auth=DEVICE_REGISTRATION, returns=RegisteredView, errors=(403, 409, 429),
             summary="Register a device with an API key (ForDeviceAuthenticate: authenticate)", tags=["device-login"])
def register_with_key(request: DeviceMetadata):
    return ENVELOPE.ok(registration.with_user(common.user_caller(), request, ip=common.client_ip(router)))
