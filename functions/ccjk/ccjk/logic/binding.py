"""Bind codes: a signed-in user asks for a 6-character code (5 minutes, single use); a device presents it to
become that user's device. Also the user's device list and unbinding."""

from __future__ import annotations

from typing import Any

from ccjk import clock, ids
from ccjk.logic import channels, presence
from ccjk.models.auth import UseBindCode
from ccjk.models.entities import BindCode, Device
from ccjk.store import bind_codes, limits
from ccjk.store import devices as device_data
from ccjk.store.common import WriteConflict
from suite.errors import BadRequest, Conflict, NotFound, ServiceUnavailable, TooManyRequests
from suite.pagination import PagePagination

CODE_TTL_SECONDS = 300
CODES_PER_USER_PER_MINUTE = 10
# /bind/use needs no credentials: cap guesses per address so 32^6 codes cannot be walked.
USES_PER_ADDRESS_PER_MINUTE = 20
INVALID_CODE = "Invalid or expired bind code"


def generate(user_id: str) -> dict[str, Any]:
    decision = limits.hit(f"bind-generate#{user_id}", limit=CODES_PER_USER_PER_MINUTE, window_seconds=60)
    if not decision.allowed:
        raise TooManyRequests("Too many bind codes requested, try again later", retry_after=decision.retry_after)
    for _attempt in range(5):
        now = clock.now()
        code = BindCode(code=ids.bind_code(), user_id=user_id, status="pending", created_at=clock.iso(now),
                        expires_at=int(now) + CODE_TTL_SECONDS)
        try:
            bind_codes.put(code, int(now))
        except WriteConflict:
            continue  # that code is live for someone else: draw again
        return {"code": code.code, "expiresAt": clock.iso(code.expires_at), "expiresIn": CODE_TTL_SECONDS}
    raise ServiceUnavailable("Could not allocate a bind code, try again", code="BIND_CODE_UNAVAILABLE")


def _normalise(code: str) -> str:
    value = code.strip().upper()
    if len(value) != ids.BIND_CODE_LENGTH or not value.isalnum() or not value.isascii():
        raise BadRequest(INVALID_CODE, code="BIND_CODE_INVALID")
    return value


def _usable(code: str, now: float) -> BindCode:
    """The code, if it can still be used. Every refusal is a 400: the typed client classifies only a 400, by its
    message ("expired" → BIND_CODE_EXPIRED, else "used" → BIND_CODE_USED)."""
    found = bind_codes.get(code)
    if found is None:
        raise BadRequest(INVALID_CODE, code="BIND_CODE_INVALID")
    if found.status == "bound":
        raise BadRequest("Bind code already used", code="BIND_CODE_USED")
    if found.expires_at <= now:  # TTL deletes lazily: an expired code can still be read
        raise BadRequest(INVALID_CODE, code="BIND_CODE_EXPIRED")
    return found


def use(request: UseBindCode, *, source_ip: str, presented: Device | None) -> dict[str, Any]:
    """Bind a device with a code: the device presenting its token (X-Device-Token) is bound and gets a fresh
    token; without one a new device is created. The code is claimed in the same transaction (single use)."""
    decision = limits.hit(f"bind-use#{source_ip}", limit=USES_PER_ADDRESS_PER_MINUTE, window_seconds=60)
    if not decision.allowed:
        raise TooManyRequests("Too many bind attempts, try again later", retry_after=decision.retry_after)
    code_text = _normalise(request.code)
    now = clock.now()
    code = _usable(code_text, now)
    issued = ids.device_token()
    try:
        if presented is not None:
            device_id = presented.device_id
            claim = bind_codes.claim_action(code_text, device_id, int(now), clock.iso(now))
            device_data.rotate_token(presented, issued.digest, bind_to_user=code.user_id, bind_code_update=claim)
        else:
            now_iso = clock.iso(now)
            info = request.info
            device = Device(device_id=ids.device_id(), name=info.name.strip() or "My device",
                            token_digest=issued.digest, created_at=now_iso, last_seen_at=now_iso, type=info.type,
                            platform=info.platform, hostname=info.hostname, version=info.version,
                            user_id=code.user_id, os_version=info.osVersion, arch=info.arch,
                            machine_id=info.machineId)
            device_id = device.device_id
            claim = bind_codes.claim_action(code_text, device_id, int(now), now_iso)
            device_data.create(device, bind_code_update=claim)
    except WriteConflict:
        _usable(code_text, clock.now())  # raises the precise reason (used meanwhile, expired)
        raise Conflict("The device changed while binding; try again", code="DEVICE_CHANGED") from None
    return {"deviceId": device_id, "deviceToken": issued.plaintext, "token": issued.plaintext,
            "userId": code.user_id, "message": "Device bound successfully"}


def status(user_id: str, code_text: str) -> dict[str, Any]:
    code = bind_codes.get(code_text.strip().upper()) if len(code_text) <= 16 else None
    if code is None or code.user_id != user_id:
        raise NotFound("Bind code not found", code="NOT_FOUND")
    if code.status == "bound":
        device = device_data.get(code.device_id) if code.device_id else None
        return {"status": "bound", "boundAt": code.bound_at,
                "device": {"id": device.device_id, "name": device.name, "platform": device.platform}
                if device else None}
    state = "expired" if code.expires_at <= clock.now() else "pending"
    return {"status": state, "expiresAt": clock.iso(code.expires_at)}


def device_item(device: Device) -> dict[str, Any]:
    return {"id": device.device_id, "deviceId": device.device_id, "name": device.name, "type": device.type,
            "platform": device.platform, "hostname": device.hostname, "version": device.version,
            "createdAt": device.created_at, "lastSeenAt": device.last_seen_at,
            "channels": [{"type": v["type"], "enabled": v["enabled"], "configured": v["configured"]}
                         for v in channels.views(device)],
            "status": presence.status(device)}


def list_devices(user_id: str, page: PagePagination) -> tuple[dict[str, Any], int]:
    found, total = device_data.list_for_user(user_id, page.offset, page.limit)
    # The index may lag behind an unbind: show only devices that are still this user's.
    return {"devices": [device_item(d) for d in found if d.user_id == user_id]}, total


def unbind(user_id: str, device_id: str) -> None:
    """Remove one of the user's devices: the device and its token are deleted (a lost laptop loses access)."""
    device = device_data.get(device_id) if len(device_id) <= 64 else None
    if device is None or device.user_id != user_id:
        raise NotFound("Device not found", code="DEVICE_NOT_FOUND")
    try:
        device_data.delete(device)
    except WriteConflict:
        raise Conflict("The device changed while removing it; try again", code="DEVICE_CHANGED") from None
