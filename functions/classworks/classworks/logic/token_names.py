"""A device's token list (v2 `GET /apps/devices/:uuid/tokens`, v3 `GET /apps/tokens?uuid=`), and the current
original's naming of tokens by whoever holds them (notes/kv.md §2):

- `POST /apps/tokens/:token/set-student-name {name}`: for tokens of deviceType `student` or `parent`; the name
  must be one of the class list, the device's KV key `classworks-list-main` (an array of `{name}`); the note
  becomes the name (student) or "<name> 家长" (parent).
- `POST /apps/tokens/:token/set-teacher-name {name}`: for tokens of deviceType `teacher`; the note becomes the
  name.

The token in the path is the credential, as for the note route.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from classworks.clock import now_iso
from classworks.logic import devices, tokens
from classworks.store import installs as install_store
from classworks.store import kv as kv_store
from suite.errors import BadRequest, Forbidden, NotFound

CLASS_LIST_KEY = "classworks-list-main"
MAX_NAME_LENGTH = 64


def device_tokens(device_uuid: Any, opened: Mapping[str, Any] | None) -> dict[str, Any]:
    if not isinstance(device_uuid, str) or not device_uuid.strip():
        raise BadRequest("需要提供设备UUID")
    device = devices.acting_for(opened, device_uuid.strip())
    records = sorted(install_store.for_device(device["uuid"]), key=lambda r: (r["installedAt"], r["installId"]),
                     reverse=True)
    return {"success": True, "tokens": [
        {"id": r["installId"], "token": tokens.reveal(r), "appId": tokens.shown_app_id(r),
         "installedAt": r["installedAt"], "note": r.get("note"), "name": r.get("note")}
        for r in records], "deviceUuid": device["uuid"]}


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadRequest("需要提供名称")
    name = value.strip()
    if len(name) > MAX_NAME_LENGTH:
        raise BadRequest(f"名称不能超过{MAX_NAME_LENGTH}个字符")
    return name


def _class_list(device_uuid: str) -> set[str]:
    item = kv_store.get(device_uuid, CLASS_LIST_KEY)
    try:
        entries = json.loads(item["value"]) if item else []
    except ValueError:
        entries = []
    if not isinstance(entries, list):
        return set()
    return {e["name"].strip() for e in entries if isinstance(e, dict) and isinstance(e.get("name"), str)}


def _label(caller: tokens.Caller, note: str, name: str) -> dict[str, Any]:
    now = now_iso()
    try:
        install_store.set_note(caller.record, note, now)
    except install_store.InstallMissing:
        raise NotFound("Token不存在") from None
    return {"success": True, "token": caller.token, "deviceType": caller.record.get("deviceType"), "name": name,
            "note": note, "updatedAt": now}


def _caller(token: str) -> tokens.Caller:
    caller = tokens.authenticate(token)
    if caller is None:
        raise NotFound("Token不存在")
    return caller


def set_student_name(token: str, name: Any) -> dict[str, Any]:
    name = _name(name)
    caller = _caller(token)
    device_type = caller.record.get("deviceType")
    if device_type not in ("student", "parent"):
        raise Forbidden("只有学生或家长类型的令牌可以设置学生名称")
    if name not in _class_list(caller.device_uuid):
        raise BadRequest("该名称不在班级名单中")
    return _label(caller, f"{name} 家长" if device_type == "parent" else name, name)


def set_teacher_name(token: str, name: Any) -> dict[str, Any]:
    name = _name(name)
    caller = _caller(token)
    if caller.record.get("deviceType") != "teacher":
        raise Forbidden("只有教师类型的令牌可以设置教师名称")
    return _label(caller, name, name)
