"""App tokens: issued per install, stored as SHA-256 digests, the plaintext sealed with KMS for the one
route that must show it again (`GET /devices/:deviceUuid/apps`), resolved by digest on every KV request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from classworks import ids
from classworks.store import installs, sealed
from suite.errors import BadRequest, NotFound

MAX_TOKEN_LENGTH = 512  # ours are 46 characters; anything far longer is not worth a lookup


@dataclass(frozen=True)
class Caller:
    """An authenticated app token: the install it belongs to, and what it may do."""

    token: str
    record: Mapping[str, Any]

    @property
    def digest(self) -> str:
        return self.record["tokenDigest"]

    @property
    def device_uuid(self) -> str:
        return self.record["deviceUuid"]

    @property
    def device_id(self) -> int:
        return self.record["deviceId"]

    @property
    def permission_prefix(self) -> str:
        return self.record.get("permissionPrefix") or ""

    @property
    def special_permissions(self) -> list[str]:
        return list(self.record.get("specialPermissions") or [])

    @property
    def read_only(self) -> bool:
        return bool(self.record.get("isReadOnly"))


FIELD = "app_token"


def seal(token: str, device_uuid: str, install_id: str) -> str:
    return sealed.seal(token, FIELD, owner=device_uuid, install=install_id)


def reveal(install: Mapping[str, Any]) -> str:
    return sealed.unseal(install["tokenSealed"], FIELD, owner=install["deviceUuid"], install=install["installId"])


def new_install(*, device: Mapping[str, Any], app: Mapping[str, Any], install_id: str | None, kind: str,
                now: str, device_type: str | None = None, read_only: bool = False,
                note: str | None = None) -> tuple[dict[str, Any], str]:
    """A fresh install record for `app` on `device` (snapshot of the app's version and permissions) and its
    plaintext token, which the caller returns once; only its digest and KMS-sealed form are stored."""
    issued = ids.app_token()
    install_id = install_id or ids.session_install_id()
    install = {
        "installId": install_id,
        "kind": kind,  # "install" (POST /apps/:id/install, one per app and device) or "session" (auth/token)
        "deviceUuid": device["uuid"],
        "deviceId": device["id"],
        "appId": app["id"],
        "tokenDigest": issued.digest,
        "tokenSealed": seal(issued.plaintext, device["uuid"], install_id),
        "version": app["version"],
        "permissionPrefix": app["permissionPrefix"],
        "specialPermissions": list(app.get("specialPermissions") or []),
        "permissionKey": list(app.get("permissionKey") or []),
        "deviceType": device_type,
        "isReadOnly": read_only,
        "note": note,
        "installedAt": now,
        "updatedAt": now,
    }
    return install, issued.plaintext


def authenticate(token: str | None) -> Caller | None:
    """The install a token belongs to, or None (unknown, revoked, or not a plausible token)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    record = installs.by_token_digest(ids.token_digest(token))
    return Caller(token=token, record=record) if record else None


# --- managing one token (the token itself is the credential) --------------------------------------------------

MAX_NOTE_LENGTH = 191


def _caller_or_404(token: str) -> Caller:
    caller = authenticate(token)
    if caller is None:
        raise NotFound("Token不存在")
    return caller


def revoke(token: str) -> None:
    """DELETE /apps/tokens/:token: this token stops working at once; the app's other tokens stay."""
    installs.delete([_caller_or_404(token).record])


def set_note(token: str, note: Any, now: str) -> dict[str, Any]:
    """PUT /apps/tokens/:token/note: label a token (e.g. whose phone it is); an empty note clears it."""
    if note is not None and not isinstance(note, str):
        raise BadRequest("note 必须是字符串")
    note = note.strip() if note and note.strip() else None
    if note and len(note) > MAX_NOTE_LENGTH:
        raise BadRequest(f"备注不能超过{MAX_NOTE_LENGTH}个字符")
    caller = _caller_or_404(token)
    try:
        installs.set_note(caller.record, note, now)
    except installs.InstallMissing:
        raise NotFound("Token不存在") from None
    return {"success": True, "token": token, "note": note, "updatedAt": now}
