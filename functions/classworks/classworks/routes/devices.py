"""Devices: registration, public profile, rename, and the device password: v2's /apps/devices routes, and the
console's /devices/{uuid}/password routes (kv-admin at aec482c).

Renaming needs the device password once there is one (access.DEVICE). The v2 password routes check the current
password themselves: it is part of what they change (`currentPassword`, `password` in the body). The console's
change and removal go through access.DEVICE (its uuidAuth), the first password is open."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from classworks import access
from classworks.logic import devices
from classworks.models import devices as models
from classworks.models.devices import MAX_PASSWORD
from classworks.models.documented import MAX_ID
from classworks.routes.common import ok, path_value, query, source_ip
from suite import auth
from suite.api import Router

router = Router()

Password = Annotated[str | None, query(minLength=1, maxLength=MAX_PASSWORD)]
Hint = Annotated[str | None, query(maxLength=MAX_ID)]


@router.post("/api/devices", returns=models.Registered, status_code=201, errors=(409,), requires=("body",),
             summary="Register a device", tags=["devices"])
def register(body: Annotated[models.Registration | None, Body()] = None):
    body = body or models.Registration()
    return ok(devices.register(body.uuid, body.deviceName, body.namespace), status=201)


@router.get("/api/devices/<deviceUuid>", returns=models.DeviceProfile, errors=(404,),
            summary="A device's public profile", tags=["devices"])
def get_device(deviceUuid: str):
    return ok(devices.public_profile(devices.get_or_404(path_value(router, "deviceUuid", deviceUuid))))


@router.put("/api/devices/<deviceUuid>/name", auth=access.DEVICE, returns=models.Renamed, errors=(404, 429),
            requires=("body",), summary="Rename a device", tags=["devices"])
def rename(deviceUuid: str, body: Annotated[models.Rename | None, Body()] = None):
    body = body or models.Rename()
    return ok(devices.rename(path_value(router, "deviceUuid", deviceUuid), body.name, auth.caller()))


@router.put("/api/apps/devices/<deviceUuid>/password", returns=models.PasswordChanged, errors=(401, 404, 409, 429),
            requires=("body",), summary="Set or change the device password (the current one in the body once set)",
            tags=["devices"])
def set_password(deviceUuid: str, body: Annotated[models.PasswordChange | None, Body()] = None):
    body = body or models.PasswordChange()
    return ok(devices.set_password(path_value(router, "deviceUuid", deviceUuid), body.newPassword,
                                   body.passwordHint, body.currentPassword, source_ip(router)))


@router.delete("/api/apps/devices/<deviceUuid>/password", returns=models.PasswordChanged,
               errors=(401, 404, 409, 429), requires=("body",),
               summary="Remove the device password (given in the body)", tags=["devices"])
def remove_password(deviceUuid: str, body: Annotated[models.PasswordCheck | None, Body()] = None):
    body = body or models.PasswordCheck()
    return ok(devices.remove_password(path_value(router, "deviceUuid", deviceUuid), body.password,
                                      source_ip(router)))


@router.post("/api/apps/devices/<deviceUuid>/password/verify", returns=models.PasswordValidity, errors=(404, 429),
             requires=("body",), summary="Check a device password", tags=["devices"])
def verify_password(deviceUuid: str, body: Annotated[models.PasswordCheck | None, Body()] = None):
    body = body or models.PasswordCheck()
    return ok(devices.verify_password(path_value(router, "deviceUuid", deviceUuid), body.password,
                                      source_ip(router)))


# --- the console's password routes -----------------------------------------------------------------------------

def _first(query_value: str | None, body_value: str | None) -> str | None:
    return query_value if query_value is not None else body_value


@router.post("/api/devices/<deviceUuid>/password", returns=models.PasswordDone, errors=(403, 404, 429),
             requires=("body",),
             summary="Set the first device password (console; newPassword in the query or the body)",
             tags=["devices"])
def console_set_password(deviceUuid: str, newPassword: Password = None, passwordHint: Hint = None,
                         body: Annotated[models.ConsolePassword | None, Body()] = None):
    body = body or models.ConsolePassword()
    return ok(devices.set_first_password(path_value(router, "deviceUuid", deviceUuid),
                                         _first(newPassword, body.newPassword),
                                         _first(passwordHint, body.passwordHint), source_ip(router)))


@router.put("/api/devices/<deviceUuid>/password", auth=access.DEVICE, returns=models.PasswordDone,
            errors=(404, 409, 429), requires=("body",), summary="Change the device password (console)",
            tags=["devices"])
def console_change_password(deviceUuid: str, newPassword: Password = None, passwordHint: Hint = None,
                            currentPassword: Password = None,
                            body: Annotated[models.ConsolePassword | None, Body()] = None):
    body = body or models.ConsolePassword()
    return ok(devices.change_password(path_value(router, "deviceUuid", deviceUuid),
                                      _first(newPassword, body.newPassword), _first(passwordHint, body.passwordHint),
                                      _first(currentPassword, body.currentPassword), opened=auth.caller(),
                                      source_ip=source_ip(router)))


@router.delete("/api/devices/<deviceUuid>/password", auth=access.DEVICE, returns=models.PasswordDone,
               errors=(404, 409, 429), summary="Remove the device password (console; ?password)", tags=["devices"])
def console_remove_password(deviceUuid: str):
    return ok(devices.delete_password(path_value(router, "deviceUuid", deviceUuid), auth.caller()))
