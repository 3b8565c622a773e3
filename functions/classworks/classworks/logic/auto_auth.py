"""POST /api/apps/auth/token: a token for the device with a namespace, from one of its auth configs.

The device's auth configs (the original's AutoAuth) decide the token's deviceType and isReadOnly. Every
device starts with one password-less config (classroom, read-write); setting a device password locks it
behind that password. Operators add configs (e.g. a read-only "student" password) with
`python -m classworks.seed auth-config`. Every call issues a new token ("session") for the app on that
device, listed with the device's installs and revoked with them on uninstall. `appId` is any app id
(logic/apps.py `resolve`): the board's own opaque id gives a token for the whole device, as the original.
"""

from __future__ import annotations

from typing import Any

from classworks.clock import now_iso
from classworks.logic import apps, devices, metrics, tokens
from classworks.store import devices as device_store
from classworks.store import installs as install_store
from suite.errors import BadRequest, Conflict, NotFound

MAX_TOKENS_PER_DEVICE = 200


def issue(namespace: Any, password: Any, app_id: Any, source_ip: str) -> dict[str, Any]:
    if not isinstance(namespace, str) or not namespace.strip():
        raise BadRequest("需要提供 namespace")
    if app_id is None or (isinstance(app_id, str) and not app_id.strip()):
        raise BadRequest("需要提供 appId")  # as the original: the old wizard that sends none fails there too
    if password is not None and not isinstance(password, str):
        raise BadRequest("password 必须是字符串")
    devices.count_credential_attempt(source_ip)
    namespace = namespace.strip()
    uuid = device_store.uuid_for_namespace(namespace) if len(namespace) <= devices.MAX_ID_LENGTH else None
    device = device_store.get(uuid) if uuid else None
    if device is None:
        raise NotFound("设备不存在或 namespace 不正确")
    config = devices.match_auth_config(device, password or None)
    app = apps.resolve(app_id)
    if install_store.count_for_device(device["uuid"]) >= MAX_TOKENS_PER_DEVICE:
        raise Conflict(f"该设备的令牌数量已达上限（{MAX_TOKENS_PER_DEVICE}）")
    record, token = tokens.new_install(device=device, app=app, install_id=None, kind="session", now=now_iso(),
                                       device_type=config.get("deviceType"),
                                       read_only=bool(config.get("isReadOnly")))
    install_store.create(record)
    metrics.count("TokenIssued")
    return {"success": True, "token": token, "deviceType": record["deviceType"],
            "isReadOnly": record["isReadOnly"], "installedAt": record["installedAt"]}
