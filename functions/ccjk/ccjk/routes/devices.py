"""Devices (X-Device-Token): register, read, rotate the token, channels, delete; by id (the spec) and by token
(the routes the real client calls). A token reaches only its own device: any other id is a 404."""

from __future__ import annotations

from ccjk import access
from ccjk.api import ENVELOPE
from ccjk.logic import channels, devices
from ccjk.models.devices import ChannelList, DeviceView, NewToken, RegisterDevice, RegisteredDevice, UpdateChannels
from ccjk.routes.common import source_ip
from suite import auth
from suite.api import Router

router = Router()
TAGS = ["devices"]
DELETED = "设备已删除"
RACED = 409  # the device or its token changed under a concurrent request


@router.post("/device/register", auth=access.DEVICE_IF_VALID, returns=RegisteredDevice, status_code=201,
             also_status_codes=(200,), errors=(429,),
             summary="Register a device (or refresh one by its token: 200)", tags=TAGS)
def register(request: RegisterDevice):
    presented = auth.caller()
    answer, is_new = devices.register(request, presented=presented.device if presented else None,
                                      presented_token=presented.token if presented else None,
                                      source_ip=source_ip(router))
    return ENVELOPE.ok(answer, status=201 if is_new else 200)


@router.get("/device/info", auth=access.DEVICE, returns=DeviceView, summary="The calling device", tags=TAGS)
def device_info():
    return ENVELOPE.ok(devices.view(auth.caller()))


@router.get("/device/<deviceId>", auth=access.DEVICE, returns=DeviceView, errors=(404,),
            summary="A device (only the token's own)", tags=TAGS)
def get_device(deviceId: str):
    return ENVELOPE.ok(devices.view(devices.own(auth.caller(), deviceId)))


@router.post("/device/<deviceId>/regenerate-token", auth=access.DEVICE, returns=NewToken, errors=(404, RACED),
             summary="New token; the old one stops at once", tags=TAGS)
def regenerate_by_id(deviceId: str):
    device = devices.own(auth.caller(), deviceId)
    return ENVELOPE.ok({"token": devices.regenerate_token(device)})


@router.post("/device/regenerate-token", auth=access.DEVICE, returns=NewToken, errors=(RACED,),
             summary="New token for the calling device", tags=TAGS)
def regenerate():
    return ENVELOPE.ok({"token": devices.regenerate_token(auth.caller())})


@router.post("/device/token", auth=access.DEVICE, returns=NewToken, errors=(RACED,),
             summary="New token for the calling device (typed client's name)", tags=TAGS)
def regenerate_alias():
    return ENVELOPE.ok({"token": devices.regenerate_token(auth.caller())})


@router.put("/device/<deviceId>/channels", auth=access.DEVICE, returns=ChannelList, errors=(404, RACED),
            summary="Replace the device's notification channels", tags=TAGS)
def put_channels_by_id(deviceId: str, request: UpdateChannels):
    device = devices.own(auth.caller(), deviceId)
    return ENVELOPE.ok({"channels": devices.update_channels(device, request.channels)})


@router.get("/device/channels", auth=access.DEVICE, returns=ChannelList,
            summary="The calling device's channels (secrets never shown)", tags=TAGS)
def get_channels():
    return ENVELOPE.ok({"channels": channels.views(auth.caller())})


@router.put("/device/channels", auth=access.DEVICE, returns=ChannelList, errors=(RACED,),
            summary="Replace the calling device's channels", tags=TAGS)
def put_channels(request: UpdateChannels):
    updated = devices.update_channels(auth.caller(), request.channels)
    return ENVELOPE.ok({"channels": updated}, message="Channels updated")


@router.delete("/device/<deviceId>", auth=access.DEVICE, errors=(404, RACED),
               summary="Delete a device (only the token's own)", tags=TAGS)
def delete_by_id(deviceId: str):
    devices.delete(devices.own(auth.caller(), deviceId))
    return ENVELOPE.ok(None, message=DELETED)


@router.delete("/device", auth=access.DEVICE, errors=(RACED,), summary="Delete the calling device", tags=TAGS)
def delete_current():
    devices.delete(auth.caller())
    return ENVELOPE.ok(None, message=DELETED)
