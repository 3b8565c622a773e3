"""Devices: registration, public profile, rename, and the device password (v2's /apps/devices routes)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body
from pydantic import BaseModel

from classworks.logic import devices
from classworks.logic.request import device_password
from classworks.routes._common import current_request, ok, path_value
from suite.api import Router

router = Router()


class Registration(BaseModel):
    uuid: str | None = None
    deviceName: str | None = None
    namespace: str | None = None


class Rename(BaseModel):
    name: str | None = None


class PasswordChange(BaseModel):
    newPassword: str | None = None
    passwordHint: str | None = None
    currentPassword: str | None = None


class PasswordCheck(BaseModel):
    password: str | None = None


@router.post("/api/devices", summary="Register a device", tags=["devices"])
def register(body: Annotated[Registration | None, Body()] = None):
    body = body or Registration()
    return ok(devices.register(body.uuid, body.deviceName, body.namespace), status=201)


@router.get("/api/devices/<deviceUuid>", summary="A device's public profile", tags=["devices"])
def get_device(deviceUuid: str):
    return ok(devices.public_profile(devices.get_or_404(path_value(router, "deviceUuid", deviceUuid))))


@router.put("/api/devices/<deviceUuid>/name", summary="Rename a device", tags=["devices"])
def rename(deviceUuid: str, body: Annotated[Rename | None, Body()] = None):
    request = current_request(router)
    body = body or Rename()
    return ok(devices.rename(path_value(router, "deviceUuid", deviceUuid), body.name, device_password(request),
                             request.source_ip))


@router.put("/api/apps/devices/<deviceUuid>/password", summary="Set or change the device password",
            tags=["devices"])
def set_password(deviceUuid: str, body: Annotated[PasswordChange | None, Body()] = None):
    body = body or PasswordChange()
    return ok(devices.set_password(path_value(router, "deviceUuid", deviceUuid), body.newPassword,
                                   body.passwordHint, body.currentPassword, current_request(router).source_ip))


@router.delete("/api/apps/devices/<deviceUuid>/password", summary="Remove the device password", tags=["devices"])
def remove_password(deviceUuid: str, body: Annotated[PasswordCheck | None, Body()] = None):
    body = body or PasswordCheck()
    return ok(devices.remove_password(path_value(router, "deviceUuid", deviceUuid), body.password,
                                      current_request(router).source_ip))


@router.post("/api/apps/devices/<deviceUuid>/password/verify", summary="Check a device password",
             tags=["devices"])
def verify_password(deviceUuid: str, body: Annotated[PasswordCheck | None, Body()] = None):
    body = body or PasswordCheck()
    return ok(devices.verify_password(path_value(router, "deviceUuid", deviceUuid), body.password,
                                      current_request(router).source_ip))
