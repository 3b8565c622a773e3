"""Devices: registration, public profile, rename, the device password, and who may act for a device.

Device passwords are argon2id hashes (suite.security.passwords), never plaintext. As in the original's
uuidAuth, a device without a password is open to whoever knows its uuid; once a password is set, every
route that acts for the device (rename, install, uninstall, listing its tokens) must carry it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from classworks.clock import now_iso
from classworks.logic import limits
from classworks.store import devices as store
from suite.errors import BadRequest, Conflict, Forbidden, NotFound, Unauthorized
from suite.security import passwords

MAX_ID_LENGTH = 191  # the original's varchar(191)
MAX_NAME_LENGTH = 191
DEVICE_TYPES = ("classroom", "teacher", "student", "parent")
DEFAULT_AUTH_CONFIG = {"id": "default", "passwordHash": None, "deviceType": "classroom", "isReadOnly": False}


def _clean(value: Any, *, required_message: str, too_long_message: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(required_message)
    value = value.strip()
    if len(value) > limit:
        raise BadRequest(too_long_message)
    return value


def public_profile(device: Mapping[str, Any]) -> dict[str, Any]:
    """GET /devices/:uuid (public): no hash, only whether there is a password."""
    return {
        "id": device["id"],
        "uuid": device["uuid"],
        "name": device.get("name"),
        "hasPassword": bool(device.get("passwordHash")),
        "passwordHint": device.get("passwordHint"),
        "createdAt": device["createdAt"],
        "account": None,  # accounts (OAuth) are not part of this service's contract
        "isBoundToAccount": False,
        "namespace": device["namespace"],
    }


def find(uuid: Any) -> dict[str, Any] | None:
    # A uuid longer than any we register cannot exist (and would exceed DynamoDB's key size): None, not a 500.
    if not isinstance(uuid, str) or not 0 < len(uuid) <= MAX_ID_LENGTH:
        return None
    return store.get(uuid)


def get_or_404(uuid: str) -> dict[str, Any]:
    device = find(uuid)
    if device is None:
        raise NotFound("设备不存在")
    return device


def _insert(uuid: str, name: str | None, namespace: str) -> dict[str, Any]:
    now = now_iso()
    device = {"id": store.next_id(), "uuid": uuid, "name": name, "namespace": namespace, "createdAt": now,
              "updatedAt": now, "authConfigs": [dict(DEFAULT_AUTH_CONFIG)]}
    store.create(device)
    return device


def register(uuid: Any, device_name: Any, namespace: Any) -> dict[str, Any]:
    """POST /devices: 201 body, or 400 / 409 with the original's messages."""
    uuid = _clean(uuid, required_message="设备UUID是必需的", too_long_message="设备UUID过长",
                  limit=MAX_ID_LENGTH)
    name = _clean(device_name, required_message="设备名称是必需的", too_long_message="设备名称过长",
                  limit=MAX_NAME_LENGTH)
    if namespace is not None and not isinstance(namespace, str):
        raise BadRequest("namespace 必须是字符串")
    namespace = namespace.strip() if namespace and namespace.strip() else uuid
    if len(namespace) > MAX_ID_LENGTH:
        raise BadRequest("namespace 过长")
    try:
        device = _insert(uuid, name, namespace)
    except store.DeviceExists:
        raise Conflict("设备UUID已存在") from None
    except store.NamespaceTaken:
        raise Conflict("该 namespace 已被使用") from None
    return {"success": True, "device": {key: device[key] for key in ("id", "uuid", "name", "namespace",
                                                                      "createdAt")}}


def get_or_create(uuid: str) -> dict[str, Any]:
    """Installing on a device that is not registered yet registers it (v2 did), named after nothing yet."""
    if not uuid or len(uuid) > MAX_ID_LENGTH:
        raise BadRequest("设备UUID过长")
    device = store.get(uuid)
    if device is not None:
        return device
    try:
        return _insert(uuid, None, uuid)
    except store.DeviceExists:
        return get_or_404(uuid)  # registered concurrently: use that one
    except store.NamespaceTaken:
        raise Conflict("该 namespace 已被使用") from None


def count_credential_attempt(source_ip: str) -> None:
    """Every request that checks a password counts once against the per-IP credentials limit (429)."""
    limits.enforce(limits.CREDENTIALS, f"ip:{source_ip}")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return passwords.verify_password(password_hash, password)
    except ValueError:  # longer than any password we would have accepted
        return False


def authorize(device: Mapping[str, Any], password: str | None, source_ip: str) -> None:
    """Act for a device: open without a device password, else the password must match (uuidAuth)."""
    stored = device.get("passwordHash")
    if not stored:
        return
    if not password:
        raise Unauthorized("需要提供设备密码")
    count_credential_attempt(source_ip)
    if not _verify(stored, password):
        raise Unauthorized("密码错误")


def open_device(uuid: Any, password: str | None, source_ip: str) -> dict[str, Any] | None:
    """The device password check of the device routes (access.DEVICE): the device, once its password (if it
    has one) was given; None when there is no such device (the route answers for that)."""
    device = find(uuid)
    if device is not None:
        authorize(device, password, source_ip)
    return device


def acting_for(opened: Mapping[str, Any] | None, uuid: str, *, create: bool = False) -> dict[str, Any]:
    """The device a route acts for: the one its credential opened, else (there was none then) the device now,
    created when `create` (installs register unknown devices, as v2 did), 404 otherwise. One that appeared
    meanwhile with a password is refused: nobody gave its password."""
    if opened is not None and opened["uuid"] == uuid:
        return dict(opened)
    device = get_or_create(uuid) if create else get_or_404(uuid)
    if device.get("passwordHash"):
        raise Unauthorized("需要提供设备密码")
    return device


def rename(uuid: str, name: Any, opened: Mapping[str, Any] | None) -> dict[str, Any]:
    acting_for(opened, uuid)
    name = _clean(name, required_message="设备名称是必需的", too_long_message="设备名称过长",
                  limit=MAX_NAME_LENGTH)
    try:
        updated = store.rename(uuid, name, now_iso())
    except store.DeviceChanged:
        raise NotFound("设备不存在") from None
    return {"success": True, "device": {"id": updated["id"], "uuid": updated["uuid"], "name": updated["name"],
                                        "hasPassword": bool(updated.get("passwordHash")),
                                        "passwordHint": updated.get("passwordHint")}}


def _new_hash(password: str) -> str:
    try:
        return passwords.hash_password(password)
    except ValueError:
        raise BadRequest("密码过长") from None


def set_password(uuid: str, new_password: Any, password_hint: Any, current_password: Any,
                 source_ip: str) -> dict[str, Any]:
    """PUT /apps/devices/:uuid/password (v2): set a first password, or change it with the current one."""
    device = get_or_404(uuid)
    if not isinstance(new_password, str) or not new_password:
        raise BadRequest("请提供新密码")
    if password_hint is not None and not isinstance(password_hint, str):
        raise BadRequest("passwordHint 必须是字符串")
    if password_hint and len(password_hint) > MAX_NAME_LENGTH:
        raise BadRequest("密码提示过长")
    stored = device.get("passwordHash")
    count_credential_attempt(source_ip)
    if stored:
        if not isinstance(current_password, str) or not current_password:
            raise Unauthorized("设备已设置密码，请提供当前密码")
        if not _verify(stored, current_password):
            raise Unauthorized("当前密码错误")
    hint = password_hint if password_hint is not None else device.get("passwordHint")
    try:
        store.set_password(uuid, _new_hash(new_password), hint, now_iso(), expected_hash=stored)
    except store.DeviceChanged:
        raise Conflict("设备密码已被修改，请重试") from None
    return {"success": True, "message": "密码已更新" if stored else "密码已设置", "deviceUuid": uuid}


def remove_password(uuid: str, password: Any, source_ip: str) -> dict[str, Any]:
    device = get_or_404(uuid)
    stored = device.get("passwordHash")
    if not stored:
        raise BadRequest("设备未设置密码")
    if not isinstance(password, str) or not password:
        raise Unauthorized("请提供当前密码")
    count_credential_attempt(source_ip)
    if not _verify(stored, password):
        raise Unauthorized("密码错误")
    try:
        store.clear_password(uuid, now_iso(), expected_hash=stored)
    except store.DeviceChanged:
        raise Conflict("设备密码已被修改，请重试") from None
    return {"success": True, "message": "密码已删除", "deviceUuid": uuid}


# --- the console's password routes (kv-admin at aec482c: /devices/:uuid/password) ---------------------------
# Their shapes are the console's server's: {success, message}, the new password and hint in the query or the
# body. Changing and removing go through access.DEVICE (the original's uuidAuth), which has already checked the
# device password (x-device-password › ?password › ?currentPassword › body password) when the device has one.

def _new_password(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise BadRequest("新密码是必需的")
    return value


def _hint(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise BadRequest("passwordHint 必须是字符串")
    if value and len(value) > MAX_NAME_LENGTH:
        raise BadRequest("密码提示过长")
    return value


def set_first_password(uuid: str, new_password: Any, password_hint: Any, source_ip: str) -> dict[str, Any]:
    """POST /devices/:uuid/password: the first password, open to whoever knows the uuid (as setting the first
    one always was); 403 once the device has one (the change route needs the current one)."""
    new_password = _new_password(new_password)
    hint = _hint(password_hint)
    device = get_or_404(uuid)
    if device.get("passwordHash"):
        raise Forbidden("设备已设置密码，请使用修改密码接口")
    count_credential_attempt(source_ip)
    try:
        store.set_password(uuid, _new_hash(new_password), hint, now_iso(), expected_hash=None)
    except store.DeviceChanged:
        raise Forbidden("设备已设置密码，请使用修改密码接口") from None  # set meanwhile
    return {"success": True, "message": "密码设置成功"}


def change_password(uuid: str, new_password: Any, password_hint: Any, current_password: Any, *,
                    opened: Mapping[str, Any] | None, source_ip: str) -> dict[str, Any]:
    """PUT /devices/:uuid/password. `current_password` (?currentPassword › body) is checked when given; without it
    the password access.DEVICE verified is the current one. An absent hint keeps the old one."""
    new_password = _new_password(new_password)
    hint = _hint(password_hint)
    device = acting_for(opened, uuid)
    stored = device.get("passwordHash")
    if not stored:
        raise BadRequest("设备未设置密码，请使用设置密码接口")
    if current_password is not None:
        if not isinstance(current_password, str) or not current_password:
            raise BadRequest("当前密码是必需的")
        count_credential_attempt(source_ip)
        if not _verify(stored, current_password):
            raise Unauthorized("当前密码错误")
    hint = hint if hint is not None else device.get("passwordHint")
    try:
        store.set_password(uuid, _new_hash(new_password), hint, now_iso(), expected_hash=stored)
    except store.DeviceChanged:
        raise Conflict("设备密码已被修改，请重试") from None
    return {"success": True, "message": "密码修改成功"}


def delete_password(uuid: str, opened: Mapping[str, Any] | None) -> dict[str, Any]:
    """DELETE /devices/:uuid/password: the password (verified by access.DEVICE) and its hint are removed."""
    device = acting_for(opened, uuid)
    stored = device.get("passwordHash")
    if not stored:
        raise BadRequest("设备未设置密码")
    try:
        store.clear_password(uuid, now_iso(), expected_hash=stored)
    except store.DeviceChanged:
        raise Conflict("设备密码已被修改，请重试") from None
    return {"success": True, "message": "密码删除成功"}


def account_of(uuid: str) -> dict[str, Any]:
    """GET /accounts/device/:uuid/account: accounts (OAuth) are not part of this service, so no device is ever
    bound to one; 404 for a device that does not exist, as the original."""
    get_or_404(uuid)
    return {"success": True, "data": None}


def verify_password(uuid: str, password: Any, source_ip: str) -> dict[str, Any]:
    device = get_or_404(uuid)
    stored = device.get("passwordHash")
    if not stored:
        raise BadRequest("设备未设置密码")
    if not isinstance(password, str) or not password:
        raise BadRequest("请提供密码")
    count_credential_attempt(source_ip)
    return {"valid": _verify(stored, password)}


# --- auth configs (AutoAuth): what POST /apps/auth/token hands out for a namespace ------------------------

def match_auth_config(device: Mapping[str, Any], password: str | None) -> dict[str, Any]:
    """The auth config a namespace login gets. Without a password: the password-less config, unless the
    device has a password. With one: the config with that password, or, when it is the device password,
    the password-less (default) config."""
    configs = list(device.get("authConfigs") or [])
    open_config = next((c for c in configs if not c.get("passwordHash")), None)
    if not password:
        if device.get("passwordHash") or open_config is None:
            raise Unauthorized("需要提供密码")
        return open_config
    for config in configs:
        if config.get("passwordHash") and _verify(config["passwordHash"], password):
            return config
    if device.get("passwordHash") and open_config and _verify(device["passwordHash"], password):
        return open_config
    raise Unauthorized("密码不正确")


def add_auth_config(uuid: str, *, password: str | None, device_type: str, read_only: bool,
                    config_id: str) -> dict[str, Any]:
    """Operator tool (python -m classworks.seed auth-config): give a device one more namespace login."""
    if device_type not in DEVICE_TYPES:
        raise BadRequest(f"deviceType 只能是 {', '.join(DEVICE_TYPES)}")
    device = get_or_404(uuid)
    current = list(device.get("authConfigs") or [])
    configs = [c for c in current if c.get("id") != config_id]
    if password is None and any(not c.get("passwordHash") for c in configs):
        configs = [c for c in configs if c.get("passwordHash")]  # one password-less config at most
    configs.append({"id": config_id, "passwordHash": _new_hash(password) if password else None,
                    "deviceType": device_type, "isReadOnly": read_only})
    try:
        store.set_auth_configs(uuid, configs, now_iso(), expected=current)
    except store.DeviceChanged:
        raise Conflict("设备登录配置已被修改，请重试") from None
    return {"id": config_id, "deviceType": device_type, "isReadOnly": read_only, "hasPassword": bool(password)}
