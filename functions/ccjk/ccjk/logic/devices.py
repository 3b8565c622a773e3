"""Devices: who a device token belongs to, registration, profile, token rotation, channels and deletion."""

from __future__ import annotations

from typing import Any

from ccjk import clock, ids
from ccjk.logic import channels, presence
from ccjk.models.devices import ChannelIn, RegisterDevice
from ccjk.models.entities import Device
from ccjk.store import devices as device_data
from ccjk.store import limits
from ccjk.store.common import WriteConflict
from suite.errors import Conflict, NotFound, TooManyRequests, Unauthorized
from suite.security.opaque_tokens import token_digest

REGISTRATIONS_PER_IP = 30  # per 10 minutes: devices are created without credentials
REGISTRATION_WINDOW_SECONDS = 600
CHANNEL_WRITE_ATTEMPTS = 3
TOUCH_INTERVAL_SECONDS = 60


def authenticate(token: str, *, touch: bool = True) -> Device:
    """The device a token belongs to (401 for an unknown or oversized token); records its activity at most once
    a minute."""
    device = find_by_token(token)
    if device is None:
        raise Unauthorized("Invalid device token", code="INVALID_TOKEN")
    if touch:
        now = clock.now()
        stale_before = clock.iso(now - TOUCH_INTERVAL_SECONDS)
        if device.last_seen_at < stale_before:  # at most one activity write per device per minute
            device_data.touch(device.device_id, clock.iso(now), stale_before)
    return device


def find_by_token(token: str) -> Device | None:
    if len(token) > ids.MAX_DEVICE_TOKEN_LENGTH:
        return None
    return device_data.for_token_digest(token_digest(token))


def own(device: Device, device_id: str) -> Device:
    """A device token reaches only its own device: any other id is 'not found', whether it exists or not."""
    if device_id != device.device_id:
        raise NotFound("Device not found", code="DEVICE_NOT_FOUND")
    return device


def view(device: Device) -> dict[str, Any]:
    """GET /device/{id} and /device/info: the spec's fields plus the typed client's names for them."""
    return {
        "deviceId": device.device_id,
        "id": device.device_id,
        "name": device.name,
        "type": device.type,
        "platform": device.platform,
        "hostname": device.hostname,
        "version": device.version,
        "userId": device.user_id,
        "channels": channels.views(device),
        "createdAt": device.created_at,
        "lastActiveAt": device.last_seen_at,
        "lastSeenAt": device.last_seen_at,
        "status": presence.status(device),
    }


def register(request: RegisterDevice, *, presented: Device | None, presented_token: str | None,
             source_ip: str) -> tuple[dict[str, Any], bool]:
    """A new device with a fresh token, or, when a valid token of an existing device is presented (in the body,
    else as X-Device-Token), that device refreshed (its profile updated, the same token answered).
    Returns (answer, is_new)."""
    if request.token:
        existing, token = find_by_token(request.token), request.token
    else:
        existing, token = presented, presented_token
    if existing is not None and token:
        device_data.update_profile(existing.device_id, {
            "name": request.name, "type": request.type, "platform": request.platform,
            "hostname": request.hostname, "version": request.version}, clock.iso())
        return _registered(existing.device_id, token, request.name, request.type or existing.type,
                           existing.created_at, is_new=False), False

    decision = limits.hit(f"device-register#{source_ip}", limit=REGISTRATIONS_PER_IP,
                          window_seconds=REGISTRATION_WINDOW_SECONDS)
    if not decision.allowed:
        raise TooManyRequests("Too many device registrations, try again later", retry_after=decision.retry_after)
    issued = ids.device_token()
    now_iso = clock.iso()
    device = Device(device_id=ids.device_id(), name=request.name, token_digest=issued.digest, created_at=now_iso,
                    last_seen_at=now_iso, type=request.type, platform=request.platform, hostname=request.hostname,
                    version=request.version)
    device_data.create(device)
    return _registered(device.device_id, issued.plaintext, device.name, device.type, now_iso, is_new=True), True


def _registered(device_id: str, token: str, name: str, device_type: str | None, created_at: str, *,
                is_new: bool) -> dict[str, Any]:
    return {"deviceId": device_id, "token": token, "name": name, "type": device_type, "createdAt": created_at,
            "registeredAt": created_at, "isNew": is_new}


def regenerate_token(device: Device) -> str:
    """A new token; the old one stops working in the same transaction."""
    issued = ids.device_token()
    try:
        device_data.rotate_token(device, issued.digest)
    except WriteConflict:
        raise Conflict("The token was changed by another request; use the newest token",
                       code="TOKEN_CHANGED") from None
    return issued.plaintext


def update_channels(device: Device, requested: list[ChannelIn]) -> list[dict[str, object]]:
    """Replace the device's channels. A channel the server cannot deliver to (the notification client's email,
    sms, a WeCom application) is left out and answered as not configured; it never fails the whole set."""
    refused = [{"type": c.type, "enabled": c.enabled, "configured": False, "error": c.unsupported}
               for c in requested if c.unsupported]
    saved = update_channel_set(device, [c for c in requested if not c.unsupported])
    return saved + refused


def update_channel_set(device: Device, requested: list[ChannelIn]) -> list[dict[str, object]]:
    updates = [channels.ChannelUpdate(label=c.type, enabled=c.enabled, webhook=c.webhook_url,
                                      secret=c.secret_value, secret_given=c.secret_given) for c in requested]
    current = device
    for _attempt in range(CHANNEL_WRITE_ATTEMPTS):
        new_channels = channels.apply(current, updates)
        try:
            device_data.save_channels(current.device_id, new_channels, current.channels_version)
        except WriteConflict:
            # Someone changed the channels since we read them: merge onto their version (kept secrets included).
            fresh = device_data.get(current.device_id)
            if fresh is None or fresh.token_digest != device.token_digest:
                raise Conflict("The device changed while updating its channels", code="DEVICE_CHANGED") from None
            current = fresh
            continue
        current.channels = new_channels
        return channels.views(current)
    raise Conflict("The channels are being changed concurrently; try again", code="DEVICE_CHANGED")


def delete(device: Device) -> None:
    try:
        device_data.delete(device)
    except WriteConflict:
        raise Conflict("The device changed while deleting it; try again", code="DEVICE_CHANGED") from None
