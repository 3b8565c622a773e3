"""The apps routes of other generations of the original (notes/kv.md §2), on the same installs and tokens as
the apps.md routes, with their own shapes and status codes:

- v3 `GET /apps/devices/:uuid/apps` → `{success, apps: [{appId, token, note, installedAt}]}`;
- v3 `POST /apps/devices/:uuid/install/:appId {note?}` → 201 `{id, appId, token, note, name, installedAt}`: a new
  token on every call (the original created a new install each time), kept as a session of that app, so the
  apps.md uninstall and upgrade reach it too. Any app id: an opaque one (the board's hex id) gets a token for
  the whole device, as in the original (logic/apps.py `resolve`); `appId` is echoed as given;
- v3 `DELETE /apps/devices/:uuid/uninstall/:installId` → 204, that one token (an id of another device: 404);
- v2 `POST /apps/:id/authorize {deviceUuid, password?, note?}`: the apps.md install (one install per app and
  device, created or upgraded, device registered when unknown) with its note;
- v2 `GET /apps/:id/installations?limit&skip`: every device of an app, for the operator only (site key).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from classworks import ids
from classworks.clock import now_iso
from classworks.logic import apps, devices, metrics, tokens
from classworks.logic.auto_auth import MAX_TOKENS_PER_DEVICE
from classworks.logic.paging import skip_page
from classworks.store import devices as device_store
from classworks.store import installs as install_store
from suite.errors import BadRequest, Conflict, NotFound


def _newest_first(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(records, key=lambda r: (r["installedAt"], r["installId"]), reverse=True)


def _note(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise BadRequest("note 必须是字符串")
    note = value.strip() if value and value.strip() else None
    if note and len(note) > tokens.MAX_NOTE_LENGTH:
        raise BadRequest(f"备注不能超过{tokens.MAX_NOTE_LENGTH}个字符")
    return note


def device_apps(device_uuid: str, opened: Mapping[str, Any] | None) -> dict[str, Any]:
    device = devices.acting_for(opened, device_uuid)
    return {"success": True, "apps": [
        {"appId": tokens.shown_app_id(r), "token": tokens.reveal(r), "note": r.get("note"),
         "installedAt": r["installedAt"]}
        for r in _newest_first(install_store.for_device(device["uuid"]))]}


def install_token(device_uuid: str, app_id_text: str, note: Any, opened: Mapping[str, Any] | None) -> dict[str, Any]:
    note = _note(note)
    app = apps.resolve(app_id_text)
    device = devices.acting_for(opened, device_uuid)
    if install_store.count_for_device(device["uuid"]) >= MAX_TOKENS_PER_DEVICE:
        raise Conflict(f"该设备的令牌数量已达上限（{MAX_TOKENS_PER_DEVICE}）")
    record, token = tokens.new_install(device=device, app=app, install_id=None, kind="session", now=now_iso(),
                                       note=note)
    install_store.create(record)
    metrics.count("TokenIssued")
    return {"id": record["installId"], "appId": tokens.shown_app_id(record), "token": token, "note": note, "name": note,
            "installedAt": record["installedAt"]}


def uninstall_token(device_uuid: str, install_id: str, opened: Mapping[str, Any] | None) -> None:
    device = devices.acting_for(opened, device_uuid)
    record = install_store.get(device["uuid"], install_id)
    if record is None:
        raise NotFound("应用安装记录不存在")
    install_store.delete([record])
    metrics.count("AppUninstalled")


def authorize(app_id_text: str, device_uuid: Any, note: Any, opened: Mapping[str, Any] | None) -> dict[str, Any]:
    """`opened`: the device its password opened (access.DEVICE_IN_BODY reads the password from the usual
    sources: x-device-password, ?password, ?currentPassword, body password)."""
    if not isinstance(device_uuid, str) or not device_uuid.strip():
        raise BadRequest("需要提供 deviceUuid")
    if len(device_uuid) > devices.MAX_ID_LENGTH:
        raise BadRequest("deviceUuid 过长")
    note = _note(note)
    answer = apps.install(app_id_text, device_uuid.strip(), opened)
    record = install_store.get(device_uuid.strip(), ids.primary_install_id(answer["appId"]))
    if note is not None and record is not None:
        install_store.set_note(record, note, now_iso())
    return {**answer, "deviceUuid": device_uuid.strip(), "note": note if note is not None else (record or {}).get(
        "note")}


def installations(app_id_text: str, query: Mapping[str, str | None]) -> dict[str, Any]:
    """Every install of an app on every device (no tokens). Only for whoever holds the site key (access.OPERATOR:
    without one configured this would hand every device uuid, a bearer secret of open devices, to anyone)."""
    page = skip_page(query, default_limit=apps.APPS_DEFAULT_LIMIT, max_limit=apps.APPS_MAX_LIMIT)
    app = apps.get_app_or_404(app_id_text)
    total = install_store.count_for_app(app["id"])
    shown = install_store.for_app(app["id"], page.skip, page.limit)
    names = device_store.names({r["deviceUuid"] for r in shown})
    return {"installations": [{
        "id": r["installId"], "appId": r["appId"], "kind": r.get("kind"), "deviceUuid": r["deviceUuid"],
        "deviceName": names.get(r["deviceUuid"]), "note": r.get("note"), "deviceType": r.get("deviceType"),
        "isReadOnly": bool(r.get("isReadOnly")), "version": r.get("version"), "installedAt": r["installedAt"],
        "updatedAt": r.get("updatedAt"),
    } for r in shown], "total": total, "limit": page.limit, "skip": page.skip}
