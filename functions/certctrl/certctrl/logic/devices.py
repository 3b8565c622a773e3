"""A user's devices: list, one by id or public id, remove. Registration is logic/registration.py.

Removing a device ends its session at once (its refresh family is revoked and the device row is gone, so its
access tokens are refused too), then deletes what belonged to it: install config and its history, config files,
certificate and CA assignments (and the certificates' wraps sealed to it), and its updates feed.
"""

from __future__ import annotations

from typing import Any

from certctrl.logic import device_sessions, registration
from certctrl.models.entities import Device
from certctrl.store import device_data, devices, feed, wraps
from suite.errors import NotFound


def count(user_id: int) -> int:
    return devices.count(user_id)


def listing(user_id: int, *, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    return [registration.view(d) for d in devices.page(user_id, offset=offset, limit=limit)], devices.count(user_id)


def owned(user_id: int, device_id: int) -> Device:
    device = devices.get(user_id, device_id)
    if device is None:
        raise NotFound("Device not found", code="404")
    return device


def by_public_id(user_id: int, device_public_id: str) -> Device:
    device_id = devices.id_for_public_id(user_id, device_public_id)
    if device_id is None:
        raise NotFound("Device not found", code="404")
    return owned(user_id, device_id)


def remove(user_id: int, device_id: int) -> None:
    device = owned(user_id, device_id)
    certificates = [int(item["id"]) for item in device_data.assignments(device_id, "CERT")]
    devices.delete(device)
    device_sessions.end(device.session_family, "device removed")
    wraps.delete_for_device(device_id, certificates)
    device_data.delete_all(device_id)
    feed.delete_all(device_id)
