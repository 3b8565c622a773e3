"""Device registration: a device row with its X25519 public key, and a device session (access JWT + refresh).

Three doors, one result `{device, session}`:
- `POST /apiv1/device/registration` with `user_id` and the single-use `registration_code` of `device_poll`
  (the code is used up in the same transaction that writes the device); or, within REGISTRATION_RETRY_SECONDS
  of a registration, without a code but with the refresh token that registration returned (a retry after a lost
  answer: the token is rotated, the device row kept);
- `POST /apiv1/me/devices` with an API key allowed `ForDeviceAuthenticate: authenticate`;
- `POST /apiv1/users/{user_id}/devices` with the session cookie or such an API key.

`dev_pk` is the standard base64 of a 32-byte X25519 public key (libsodium `crypto_box_keypair`); its fingerprint
is BLAKE2b-256 (libsodium `crypto_generichash`, unkeyed), kept as `device_secret_hash` and shown as
`device_keyfp_b64`. `device_public_id` names one device per user: registering it again reuses the row (new
metadata, maybe a new key), starts a new session and revokes the previous one. A registration code is bound to
the user who approved it: another `user_id` is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import Any

from certctrl import clock, config, ids
from certctrl.logic import device_sessions
from certctrl.logic.callers import UserCaller
from certctrl.models.device_login import DeviceMetadata, Registration
from certctrl.models.entities import Device, RefreshToken, TokenFamily
from certctrl.store import counters, device_auth, device_data, devices, jobs, limits, tokens
from suite.errors import BadRequest, Conflict, TooManyRequests, Unauthorized

PUBLIC_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
KEY_BYTES = 32


def fingerprint(dev_pk: bytes) -> str:
    """Hex BLAKE2b-256 of the raw public key (libsodium crypto_generichash with no key)."""
    return hashlib.blake2b(dev_pk, digest_size=32).hexdigest()


def keyfp_b64(device: Device) -> str:
    return base64.b64encode(bytes.fromhex(device.fingerprint)).decode()


def public_key(dev_pk: str) -> bytes:
    try:
        raw = base64.b64decode(dev_pk.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != KEY_BYTES or raw == bytes(KEY_BYTES):
        raise BadRequest("dev_pk must be the base64 of a 32-byte X25519 public key")
    return raw


def check_public_id(device_public_id: str) -> str:
    value = device_public_id.strip()
    if not PUBLIC_ID.match(value):
        raise BadRequest("device_public_id: 1-64 letters, digits, '.', '_', ':' or '-'")
    return value


def view(device: Device) -> dict[str, Any]:
    return {"id": int(device.id), "user_id": int(device.user_id), "device_public_id": device.device_public_id,
            "name": device.name, "platform": device.platform, "model": device.model,
            "app_version": device.app_version, "agent_version": device.agent_version, "status": device.status,
            "device_keyfp_b64": keyfp_b64(device), "registered_via": device.registered_via,
            "created_at": int(device.created_at_ms), "updated_at": int(device.updated_at_ms),
            "last_seen_at": int(device.last_seen_at_ms) if device.last_seen_at_ms else None}


def _limit(ip: str) -> None:
    decision = limits.hit(f"register-device#{ip}", limit=60, window_seconds=600)
    if not decision.allowed:
        raise TooManyRequests("Too many registrations; try again later", retry_after=decision.retry_after,
                              details={"params": {"retry_after": decision.retry_after}})


def _apply(device: Device, meta: DeviceMetadata, raw_key: bytes, *, via: str, now_ms: int) -> None:
    device.name = meta.name or device.name or f"Device {meta.device_public_id[:8]}"
    device.platform, device.model, device.app_version = meta.platform, meta.model, meta.app_version
    device.ip, device.user_agent = meta.ip, meta.user_agent
    if meta.push_token is not None:
        device.push_token = meta.push_token
    device.dev_pk = base64.b64encode(raw_key).decode()
    device.fingerprint = fingerprint(raw_key)
    device.status = "ACTIVE"
    device.registered_via = via
    device.updated_at_ms = now_ms
    device.registered_at = now_ms // 1000


def _session_items(device: Device) -> tuple[TokenFamily, RefreshToken, str, str]:
    family_id = ids.token_family_id()
    token_id, issued = ids.refresh_token()
    now = clock.epoch()
    expires = now + config.get().refresh_token_ttl_seconds
    token = RefreshToken(tokens.token_key(token_id), "RT", family_id=family_id, digest=issued.digest,
                         state="active", user_id=int(device.user_id), device_id=int(device.id), created_at=now,
                         expires_at=expires)
    family = TokenFamily(tokens.family_key(family_id), "RTF", user_id=int(device.user_id), device_id=int(device.id),
                         state="active", current_token_id=token_id, created_at=now, expires_at=expires)
    return family, token, family_id, issued.plaintext


def _write(user_id: int, meta: DeviceMetadata, *, via: str, consume: tuple[Any, str] | None = None
           ) -> tuple[Device, dict[str, Any]]:
    """Create the device or update the one with this public id, start its session, use up the registration code
    (when given) and revoke the previous session, all in one transaction."""
    public_id = check_public_id(meta.device_public_id)
    raw_key = public_key(meta.dev_pk)
    for _attempt in range(3):
        now_ms = clock.epoch_ms()
        existing_id = devices.id_for_public_id(user_id, public_id)
        existing = devices.get(user_id, existing_id) if existing_id is not None else None
        if existing is None:
            device_id = counters.next_id("devices")
            device = Device(devices.user_key(user_id), devices.device_sk(device_id), id=device_id, user_id=user_id,
                            device_public_id=public_id, dev_pk="", fingerprint="", created_at_ms=now_ms,
                            updated_at_ms=now_ms, registered_at=now_ms // 1000)
        else:
            device = existing
        previous_family = device.session_family
        previous_key = device.fingerprint if existing is not None else None
        _apply(device, meta, raw_key, via=via, now_ms=now_ms)
        family, token, family_id, plaintext = _session_items(device)
        device.session_family = family_id
        try:
            devices.register(device, new=existing is None, previous_family=previous_family, family=family,
                             token=token, consume=consume)
        except devices.CodeRejected:
            raise Unauthorized("The registration code is invalid, expired or used", code="401") from None
        except devices.Taken:
            continue  # a concurrent registration of the same public id: read again
        if previous_key and previous_key != device.fingerprint:
            _rewrap_certificates(device)
        return device, device_sessions.access_pair(int(device.user_id), int(device.id), plaintext)
    raise Conflict("The device is being registered by another request; try again", code="409")


def _rewrap_certificates(device: Device) -> None:
    """A device registered again with a new key: its wraps were sealed to the old one (deploy-materials answers
    WRAP_PENDING meanwhile), so each of its certificates is queued for a re-wrap."""
    for item in device_data.assignments(int(device.id), "CERT"):
        jobs.send({"kind": "cert.rewrap", "user_id": int(device.user_id), "cert_id": int(item["id"])})


def with_code(request: Registration, *, ip: str) -> dict[str, Any]:
    _limit(ip)
    if request.registration_code:
        digest = ids.digest(request.registration_code)
        code = device_auth.get_registration(digest)
        if code is None or code.expires_at <= clock.epoch() or int(code.user_id) != request.user_id:
            raise Unauthorized("The registration code is invalid, expired or used", code="401")
        device, session = _write(request.user_id, request, via="device_flow", consume=(code, digest))
        return {"device": view(device), "session": session}
    if request.refresh_token:
        return _retry(request)
    raise BadRequest("registration_code is required (from device_poll status ready)")


def _retry(request: Registration) -> dict[str, Any]:
    """A registration repeated right after it succeeded: same user, same public id, same key, its current refresh
    token, within the retry window. The token rotates; nothing else changes."""
    refused = Unauthorized("A retry needs the refresh token of a registration made moments ago", code="401")
    token = device_sessions.current_token(request.refresh_token or "")
    if token is None or int(token.user_id) != request.user_id:
        raise refused
    device = devices.get(request.user_id, int(token.device_id))
    if device is None or device.device_public_id != request.device_public_id.strip() \
            or device.session_family != token.family_id \
            or device.fingerprint != fingerprint(public_key(request.dev_pk)) \
            or clock.epoch() - int(device.registered_at) > config.get().registration_retry_seconds:
        raise refused
    pair = device_sessions.rotate(token)
    return {"device": view(device), "session": pair}


def with_user(caller: UserCaller, meta: DeviceMetadata, *, ip: str) -> dict[str, Any]:
    """Registration by a signed-in user or their API key (no device login)."""
    _limit(ip)
    device, session = _write(caller.user_id, meta, via="api_key" if caller.via == "apikey" else "session")
    return {"device": view(device), "session": session}
