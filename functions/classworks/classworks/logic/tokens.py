"""App tokens: issued per install, stored as SHA-256 digests, the plaintext sealed with KMS for the routes that
must show it again (`GET /devices/:deviceUuid/apps` and the v3 listings), resolved by digest on every KV request.

Each token records the app it was issued for as an `AppRef` (logic/apps.py `resolve`): a catalogue app (its
integer id, a snapshot of its version and permissions, scope `catalogue`) or an opaque v3 app id (the string as
given, no snapshot, scope `device`: every key of the device). logic/permissions.py applies the scope.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from classworks import ids
from classworks.logic.permissions import CATALOGUE, DEVICE, scope_of, token_allows
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

    @property
    def scope(self) -> str:
        return scope_of(self.record)

    def may(self, key: str) -> bool:
        """Whether this token may read or write `key` of its device (its scope's rule)."""
        return token_allows(self.record, key)


@dataclass(frozen=True)
class AppRef:
    """The app a token is issued for: `given` is the app id as the client sent it; `app` the catalogue app it
    names, or None for an opaque v3 app id."""

    given: int | str
    app: Mapping[str, Any] | None = None

    @property
    def app_id(self) -> int | str:
        """The stored id: the catalogue's integer, or the opaque string as given."""
        return self.app["id"] if self.app is not None else self.given


def shown_app_id(record: Mapping[str, Any]) -> int | str:
    """The app id as the client gave it when the token was issued (what v3 answers echo)."""
    return record.get("appIdGiven", record["appId"])


FIELD = "app_token"


def seal(token: str, device_uuid: str, install_id: str) -> str:
    return sealed.seal(token, FIELD, owner=device_uuid, install=install_id)


def reveal(install: Mapping[str, Any]) -> str:
    return sealed.unseal(install["tokenSealed"], FIELD, owner=install["deviceUuid"], install=install["installId"])


def new_install(*, device: Mapping[str, Any], app: AppRef, install_id: str | None, kind: str,
                now: str, device_type: str | None = None, read_only: bool = False,
                note: str | None = None) -> tuple[dict[str, Any], str]:
    """A fresh install record for `app` on `device` (for a catalogue app, a snapshot of its version and
    permissions) and its plaintext token, which the caller returns once; only its digest and KMS-sealed form are
    stored."""
    issued = ids.app_token()
    install_id = install_id or ids.session_install_id()
    catalogue = app.app or {}
    install = {
        "installId": install_id,
        "kind": kind,  # "install" (POST /apps/:id/install, one per app and device) or "session" (any other)
        "deviceUuid": device["uuid"],
        "deviceId": device["id"],
        "appId": app.app_id,
        "scope": CATALOGUE if app.app is not None else DEVICE,
        "tokenDigest": issued.digest,
        "tokenSealed": seal(issued.plaintext, device["uuid"], install_id),
        "version": catalogue.get("version"),
        "permissionPrefix": catalogue.get("permissionPrefix"),
        "specialPermissions": list(catalogue.get("specialPermissions") or []),
        "permissionKey": list(catalogue.get("permissionKey") or []),
        "deviceType": device_type,
        "isReadOnly": read_only,
        "note": note,
        "installedAt": now,
        "updatedAt": now,
    }
    if app.given != app.app_id or type(app.given) is not type(app.app_id):
        install["appIdGiven"] = app.given  # a catalogue app named by a string ("3"): echoed as given
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
