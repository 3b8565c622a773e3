"""The apps contract (docs/contracts/classworks-kv-apps-api.md): catalogue, installs, a device's apps.

An install is one app token on one device. `POST /apps/:id/install/:deviceUuid` keeps exactly one install per
app and device (install id `app-<id>`): the first call creates it, later calls upgrade it (and every other
token of that app on that device) to the app's current version and permissions and return the same token.
`DELETE /apps/:id/uninstall/:deviceUuid` removes every token of the app on the device at once.

App ids: the apps.md routes (`/apps/:id...`) take catalogue ids only (anything else is 404 `应用不存在`). The
routes of the current original (`POST /apps/auth/token`, `POST /apps/devices/:uuid/install/:appId`) take any
app id, `resolve` decides what it names: a JSON integer is a catalogue id (404 when unknown); a string of
decimal digits naming an app of the catalogue is that app; any other string is an opaque v3 app id (as the
original, where "appId is now a SHA256 hash" that nothing looks up), whose tokens may use the whole device.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from classworks import ids
from classworks.clock import now_iso
from classworks.logic import devices, metrics, tokens
from classworks.logic.paging import skip_page
from classworks.models.apps import AppSpec
from classworks.store import apps as store
from classworks.store import installs as install_store
from suite.errors import BadRequest, Conflict, NotFound

APPS_DEFAULT_LIMIT = 20
APPS_MAX_LIMIT = 100
MAX_SEARCH_LENGTH = 100
MAX_APP_ID_LENGTH = 191  # an opaque app id: the original's column is text; ours are bounded like keys and uuids
_APP_ID = re.compile(r"^[1-9][0-9]{0,9}$")


def _app_id(text: Any) -> int | None:
    text = str(text).strip()
    return int(text) if _APP_ID.fullmatch(text) else None


def get_app_or_404(app_id_text: Any) -> dict[str, Any]:
    app_id = _app_id(app_id_text)
    app = store.get(app_id) if app_id is not None else None
    if app is None:
        raise NotFound("应用不存在")
    return app


def resolve(app_id: Any) -> tokens.AppRef:
    """What an app id given to a v3 route names (see the module docstring). 400 `需要提供 appId` when there is
    none, 404 `应用不存在` for a JSON integer that is not in the catalogue."""
    if app_id is None or isinstance(app_id, bool) or (isinstance(app_id, str) and not app_id.strip()):
        raise BadRequest("需要提供 appId")
    if isinstance(app_id, int):
        return tokens.AppRef(app_id, get_app_or_404(app_id))
    if not isinstance(app_id, str):
        raise BadRequest("appId 必须是字符串或整数")
    if len(app_id) > MAX_APP_ID_LENGTH:
        raise BadRequest(f"appId 不能超过{MAX_APP_ID_LENGTH}个字符")
    number = _app_id(app_id)
    app = store.get(number) if number is not None else None
    return tokens.AppRef(app_id, app)


def list_apps(query: Mapping[str, str | None]) -> dict[str, Any]:
    """GET /apps: newest first, optional case-insensitive search over name, description and developer."""
    page = skip_page(query, default_limit=APPS_DEFAULT_LIMIT, max_limit=APPS_MAX_LIMIT)
    search = (query.get("search") or "").strip()
    if len(search) > MAX_SEARCH_LENGTH:
        raise BadRequest(f"搜索关键词不能超过{MAX_SEARCH_LENGTH}个字符")
    matching = store.newest_first(search or None)
    return {"apps": matching[page.skip:page.skip + page.limit], "total": len(matching), "limit": page.limit,
            "skip": page.skip}


def apps_with_permission_key() -> dict[str, Any]:
    return {"apps": store.with_permission_key()}


def _brief(app: Mapping[str, Any] | None, app_id: int | str, *fields: str) -> dict[str, Any]:
    app = app or {"id": app_id}
    return {field: app.get(field) for field in ("id", "name", "description", "developerName", *fields)}


def _catalogue_ids(records: Iterable[Mapping[str, Any]]) -> set[int]:
    return {r["appId"] for r in records if isinstance(r["appId"], int)}  # opaque v3 ids are not in the catalogue


def token_permissions(token: str) -> dict[str, Any]:
    """A v3 (device scope) token has no prefix nor grants: `permissionPrefix` null with an opaque `appId` means
    every key of its device."""
    caller = tokens.authenticate(token)
    if caller is None:
        raise NotFound("Token不存在")
    record = caller.record
    app = store.get(record["appId"]) if isinstance(record["appId"], int) else None
    return {
        "appId": record["appId"],
        "permissionPrefix": record.get("permissionPrefix"),
        "specialPermissions": record.get("specialPermissions") or [],
        "permissionKey": record.get("permissionKey") or [],
        "app": _brief(app, record["appId"]),
    }


def _snapshot(app: Mapping[str, Any], now: str) -> dict[str, Any]:
    return {"version": app["version"], "permissionPrefix": app["permissionPrefix"],
            "specialPermissions": list(app.get("specialPermissions") or []),
            "permissionKey": list(app.get("permissionKey") or []), "updatedAt": now}


def install(app_id_text: str, device_uuid: str, opened: Mapping[str, Any] | None) -> dict[str, Any]:
    """POST /apps/:id/install/:deviceUuid: install, or upgrade the existing install; the token either way.
    `opened` is the device its password opened (access.DEVICE; None: unknown then, registered now)."""
    app = get_app_or_404(app_id_text)
    device = devices.acting_for(opened, device_uuid, create=True)
    now = now_iso()
    install_id = ids.primary_install_id(app["id"])
    existing = install_store.get(device["uuid"], install_id)
    if existing is None:
        record, token = tokens.new_install(device=device, app=tokens.AppRef(app["id"], app), install_id=install_id,
                                           kind="install", now=now)
        try:
            install_store.create(record)
        except install_store.InstallExists:
            existing = install_store.get(device["uuid"], install_id)  # a concurrent first install won
            if existing is None:
                raise Conflict("应用安装冲突，请重试") from None
        else:
            metrics.count("AppInstalled")
            return _install_answer(record, token)
    upgraded = _upgrade(device["uuid"], app, now)
    metrics.count("AppUpgraded")
    return _install_answer({**existing, **upgraded}, tokens.reveal(existing))


def _upgrade(device_uuid: str, app: Mapping[str, Any], now: str) -> dict[str, Any]:
    snapshot = _snapshot(app, now)
    for record in install_store.for_device(device_uuid):
        if record["appId"] == app["id"]:
            try:
                install_store.update_snapshot(record, snapshot)
            except install_store.InstallMissing:
                continue  # uninstalled meanwhile: nothing to upgrade
    return snapshot


def _install_answer(record: Mapping[str, Any], token: str) -> dict[str, Any]:
    return {"token": token, "appId": record["appId"], "permissionPrefix": record["permissionPrefix"],
            "permissionKey": record.get("permissionKey") or [], "version": record["version"],
            "authorizedAt": record["updatedAt"]}


def uninstall(app_id_text: str, device_uuid: str, opened: Mapping[str, Any] | None) -> dict[str, Any]:
    """DELETE /apps/:id/uninstall/:deviceUuid: every token of the app on the device stops working at once."""
    app_id = _app_id(app_id_text)
    device = devices.acting_for(opened, device_uuid)
    records = [r for r in install_store.for_device(device["uuid"]) if app_id is not None and r["appId"] == app_id]
    if not records:
        raise NotFound("应用未安装")
    install_store.delete(records)
    metrics.count("AppUninstalled")
    return {"message": "应用卸载成功", "appId": app_id, "uninstalledAt": now_iso()}


def device_apps(device_uuid: str, query: Mapping[str, str | None],
                opened: Mapping[str, Any] | None) -> dict[str, Any]:
    """GET /devices/:deviceUuid/apps: the device's installs with their tokens (opened from their KMS seal)."""
    page = skip_page(query, default_limit=APPS_DEFAULT_LIMIT, max_limit=APPS_MAX_LIMIT)
    device = devices.acting_for(opened, device_uuid)
    records = sorted(install_store.for_device(device["uuid"]),
                     key=lambda r: (r["installedAt"], r["installId"]), reverse=True)  # newest first
    shown = records[page.skip:page.skip + page.limit]
    catalogue = store.get_many(_catalogue_ids(shown))
    installs = [{
        "id": r["installId"],
        "appId": r["appId"],
        "token": tokens.reveal(r),
        "permissionPrefix": r.get("permissionPrefix"),
        "specialPermissions": r.get("specialPermissions") or [],
        "permissionKey": r.get("permissionKey") or [],
        "version": r.get("version"),
        "installedAt": r["installedAt"],
        "updatedAt": r["updatedAt"],
        "app": _brief(catalogue.get(r["appId"]), r["appId"], "permissionPrefix"),
    } for r in shown]
    return {"installs": installs, "total": len(records), "limit": page.limit, "skip": page.skip}


# --- operators: create and update apps (python -m classworks.seed) -----------------------------------------

def save_app(spec: AppSpec) -> tuple[dict[str, Any], bool]:
    """Create the app, or update the one with the same id (or, without an id, the same permissionPrefix).
    Installs keep their snapshot until their device installs the app again (the upgrade)."""
    catalogue = store.newest_first()
    existing = None
    if spec.id is not None:
        existing = next((a for a in catalogue if a["id"] == spec.id), None)
    else:
        existing = next((a for a in catalogue if a["permissionPrefix"] == spec.permissionPrefix), None)
    clash = next((a for a in catalogue if a["permissionPrefix"] == spec.permissionPrefix
                  and (existing is None or a["id"] != existing["id"])), None)
    if clash is not None:
        raise Conflict(f"permissionPrefix {spec.permissionPrefix!r} already belongs to app {clash['id']}")
    now = now_iso()
    fields = spec.model_dump(exclude={"id"})
    if existing is not None:
        app = {**existing, **fields, "updatedAt": now}
        store.put(app, create=False)
        return app, False
    if spec.id is not None:
        app = {"id": spec.id, **fields, "createdAt": now, "updatedAt": now}
        store.put(app, create=True)
        return app, True
    while True:  # the counter may point at ids an operator chose explicitly: skip those
        app = {"id": store.next_id(), **fields, "createdAt": now, "updatedAt": now}
        try:
            store.put(app, create=True)
        except store.AppExists:
            continue
        return app, True
