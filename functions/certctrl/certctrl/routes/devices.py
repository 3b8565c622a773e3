"""A user's devices: `/apiv1/users/{user_id}/devices[...]` (list, register, get, by public id, remove)."""

from __future__ import annotations

from certctrl import access
from certctrl.api import ENVELOPE
from certctrl.logic import devices, registration
from certctrl.models.device_login import DeviceMetadata, DeviceView, RegisteredView
from certctrl.routes import common
from suite.api import Router

router = Router()
TAGS = ["devices"]
BASE = "/apiv1/users/<user_id>/devices"


@router.get(BASE, auth=access.user("devices", "read"), returns=list[DeviceView], errors=(403,),
            summary="The user's devices (offset, limit)", tags=TAGS)
def list_devices(user_id: str):
    page = common.pagination(router)
    items, total = devices.listing(common.user_caller().user_id, offset=page.offset, limit=page.limit)
    return common.listed(items, page, total)


@router.post(BASE, auth=access.user("devices", "create", also=(("ForDeviceAuthenticate", "authenticate"),)),
             returns=RegisteredView, errors=(403, 409, 429),
             summary="Register a device for this user (signed in, or an API key: ForDeviceAuthenticate)", tags=TAGS)
def register_device(user_id: str, request: DeviceMetadata):
    return ENVELOPE.ok(registration.with_user(common.user_caller(), request, ip=common.client_ip(router)))


@router.get(f"{BASE}/by-public-id/<device_public_id>", auth=access.user("devices", "read"), returns=DeviceView,
            errors=(403, 404), summary="The device an agent calls by its device_public_id", tags=TAGS)
def get_by_public_id(user_id: str, device_public_id: str):
    device = devices.by_public_id(common.user_caller().user_id, device_public_id)
    return ENVELOPE.ok(registration.view(device))


@router.get(f"{BASE}/<device_id>", auth=access.user("devices", "read", "device_id"), returns=DeviceView,
            errors=(403, 404), summary="One device", description="The original answered 501 here; we answer the "
            "device.", tags=TAGS)
def get_device(user_id: str, device_id: str):
    device = common.owned_device(device_id)
    return ENVELOPE.ok(registration.view(device))


@router.delete(f"{BASE}/<device_id>", auth=access.user("devices", "delete", "device_id"), status_code=204,
               errors=(403, 404), summary="Remove a device: its session ends at once", tags=TAGS)
def delete_device(user_id: str, device_id: str):
    devices.remove(common.user_caller().user_id, common.object_id(device_id, "Device"))
    return ENVELOPE.no_content()
