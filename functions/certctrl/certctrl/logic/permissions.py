"""What an API key may do: the permission catalogue (`GET /apiv1/permissions/catalog`) and the one rule that
decides whether a key's permissions allow an action on an object.

A key holds permissions `{obtype, obid, actions}`: `obtype` is a kind of object (a row of CATALOG), `actions`
are some of that kind's actions, `obid` is `"*"` (every object of the kind) or one object's id. A route that
accepts keys names the obtype and action it needs and, for routes about one object, the object's id (from the
path); `allows` is then the whole decision. Collection routes (list, create) name no object and need `"*"`.

Issues 17, 19 and 20 add their object types here (certificates, acme_accounts and cas are listed already so
keys made today keep working when their routes arrive).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from suite.errors import BadRequest, Forbidden

ANY = "*"
MAX_PERMISSIONS = 50
MAX_OBID_LENGTH = 64


@dataclass(frozen=True)
class ObjectType:
    obtype: str
    description: str
    actions: tuple[str, ...]
    obid: str  # what an obid names for this type

    def view(self) -> dict[str, Any]:
        return {"obtype": self.obtype, "description": self.description, "actions": list(self.actions),
                "obid": self.obid}


CATALOG: tuple[ObjectType, ...] = (
    ObjectType("devices", "The user's devices: list, register, read, remove; their install config and files",
               ("read", "create", "update", "delete"), "a device id, or * for all devices"),
    ObjectType("apikeys", "API keys (a key may only grant what it holds itself)",
               ("read", "create", "update", "delete"), "an API key id, or *"),
    ObjectType("profile", "The account's profile and third-party bindings", ("read",), "*"),
    ObjectType("ForDeviceAuthenticate", "Register devices without a device login (POST /apiv1/me/devices)",
               ("authenticate", "validate", "revoke"), "*"),
    ObjectType("ForInstallConfigUpdate", "Patch a device's install config (/apiv1/me/install-config-update)",
               ("update",), "a device public id, or *"),
    ObjectType("certificates", "Certificates: create, issue, export, assign to devices",
               ("read", "create", "update", "delete", "issue", "export", "assign"), "a certificate id, or *"),
    ObjectType("acme_accounts", "ACME accounts", ("read", "create", "update", "delete"), "an ACME account id, or *"),
    ObjectType("cas", "Private certificate authorities", ("read", "create", "update", "delete", "issue"),
               "a CA id, or *"),
    # issue 19
    ObjectType("notifications", "Notification channels and subscriptions", ("read", "create", "update", "delete"),
               "a channel id, or *"),
    ObjectType("tunnels", "Tunnel sessions and webhook logs", ("read",), "*"),
)
BY_TYPE: dict[str, ObjectType] = {entry.obtype: entry for entry in CATALOG}


def catalog() -> list[dict[str, Any]]:
    return [entry.view() for entry in CATALOG]


def field(permission: Any, name: str) -> Any:
    """A permission's `obtype`, `obid` or `actions`, whether it is a stored map or a plain dict."""
    return permission.get(name) if isinstance(permission, Mapping) else getattr(permission, name, None)


_field = field


def allows(permissions: Iterable[Any], obtype: str, action: str, obid: Any = None) -> bool:
    """True when one permission covers `action` on `obtype` (and on `obid`, when the route names one object)."""
    wanted = None if obid is None else str(obid)
    for permission in permissions:
        if _field(permission, "obtype") != obtype or action not in (_field(permission, "actions") or ()):
            continue
        granted = _field(permission, "obid") or ANY
        if granted == ANY or (wanted is not None and granted == wanted):
            return True
    return False


def require(permissions: Iterable[Any], obtype: str, action: str, obid: Any = None) -> None:
    if not allows(list(permissions), obtype, action, obid):
        target = f"{obtype}:{action}" + (f" on {obid}" if obid is not None else "")
        raise Forbidden(f"This API key does not allow {target}", code="403")


def normalize(requested: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Permissions as a key will hold them, checked against the catalogue (400 naming the first problem)."""
    if not requested:
        raise BadRequest("permissions: at least one permission is required")
    if len(requested) > MAX_PERMISSIONS:
        raise BadRequest(f"permissions: at most {MAX_PERMISSIONS}")
    normalized: list[dict[str, Any]] = []
    for index, permission in enumerate(requested):
        obtype = str(permission.get("obtype") or "")
        entry = BY_TYPE.get(obtype)
        if entry is None:
            raise BadRequest(f"permissions[{index}].obtype: unknown object type {obtype!r} (see "
                             f"/apiv1/permissions/catalog)")
        actions = list(dict.fromkeys(str(a) for a in permission.get("actions") or []))
        if not actions:
            raise BadRequest(f"permissions[{index}].actions: at least one action is required")
        unknown = [a for a in actions if a not in entry.actions]
        if unknown:
            raise BadRequest(f"permissions[{index}].actions: {unknown[0]!r} is not an action of {obtype}")
        obid = str(permission.get("obid") if permission.get("obid") not in (None, "") else ANY)
        if len(obid) > MAX_OBID_LENGTH or any(ch.isspace() for ch in obid):
            raise BadRequest(f"permissions[{index}].obid: an id or *")
        normalized.append({"obtype": obtype, "obid": obid, "actions": actions})
    return normalized


def covered_by(held: Iterable[Any], requested: Iterable[Mapping[str, Any]]) -> bool:
    """True when every requested permission is within what `held` allows (a key cannot grant more than it has)."""
    held = list(held)
    for permission in requested:
        obid = None if permission["obid"] == ANY else permission["obid"]
        for action in permission["actions"]:
            if obid is None:
                if not any(_field(p, "obtype") == permission["obtype"] and action in (_field(p, "actions") or ())
                           and (_field(p, "obid") or ANY) == ANY for p in held):
                    return False
            elif not allows(held, permission["obtype"], action, obid):
                return False
    return True
