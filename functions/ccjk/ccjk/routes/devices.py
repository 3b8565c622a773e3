"""Devices (X-Device-Token): register, read, rotate the token, channels, delete; by id (the spec) and by token
(the routes the real client calls)."""

from __future__ import annotations

from ccjk.api import ENVELOPE
from ccjk.logic import channels, devices
from ccjk.models.devices import RegisterDevice, UpdateChannels
from ccjk.routes.common import current_device, header, source_ip
from suite.api import Router

router = Router()
TAGS = ["devices"]
DELETED = "设备已删除"


@router.post("/device/register", summary="Register a device (or refresh one by its token)", tags=TAGS)
def register(request: RegisterDevice):
    answer, is_new = devices.register(request, presented_token=header(router, "X-Device-Token"),
                                      source_ip=source_ip(router))
    return ENVELOPE.ok(answer, status=201 if is_new else 200)


@router.get("/device/info", summary="The calling device", tags=TAGS)
def device_info():
    return ENVELOPE.ok(devices.view(current_device(router)))


@router.get("/device/<deviceId>", summary="A device (only the token's own)", tags=TAGS)
def get_device(deviceId: str):
    return ENVELOPE.ok(devices.view(devices.own(current_device(router), deviceId)))


@router.post("/device/<deviceId>/regenerate-token", summary="New token; the old one stops at once", tags=TAGS)
def regenerate_by_id(deviceId: str):
    device = devices.own(current_device(router), deviceId)
    return ENVELOPE.ok({"token": devices.regenerate_token(device)})


@router.post("/device/regenerate-token", summary="New token for the calling device", tags=TAGS)
def regenerate():
    return ENVELOPE.ok({"token": devices.regenerate_token(current_device(router))})


@router.post("/device/token", summary="New token for the calling device (typed client's name)", tags=TAGS)
def regenerate_alias():
    return ENVELOPE.ok({"token": devices.regenerate_token(current_device(router))})


@router.put("/device/<deviceId>/channels", summary="Replace the device's notification channels", tags=TAGS)
def put_channels_by_id(deviceId: str, request: UpdateChannels):
    device = devices.own(current_device(router), deviceId)
    return ENVELOPE.ok({"channels": devices.update_channels(device, request.channels)})


@router.get("/device/channels", summary="The calling device's channels (secrets never shown)", tags=TAGS)
def get_channels():
    return ENVELOPE.ok({"channels": channels.views(current_device(router))})


@router.put("/device/channels", summary="Replace the calling device's channels", tags=TAGS)
def put_channels(request: UpdateChannels):
    updated = devices.update_channels(current_device(router), request.channels)
    return ENVELOPE.ok({"channels": updated}, message="Channels updated")


@router.delete("/device/<deviceId>", summary="Delete a device (only the token's own)", tags=TAGS)
def delete_by_id(deviceId: str):
    devices.delete(devices.own(current_device(router), deviceId))
    return ENVELOPE.ok(None, message=DELETED)


@router.delete("/device", summary="Delete the calling device", tags=TAGS)
def delete_current():
    devices.delete(current_device(router))
    return ENVELOPE.ok(None, message=DELETED)
