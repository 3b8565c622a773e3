"""The device-code flow: a device shows a short code, a signed-in user binds a token to it, the device
polls and picks the token up exactly once.

Codes look like `1234-AB9Z` (4 digits, 4 base-36 characters), live 15 minutes in DynamoDB (TTL plus an
explicit expiry check on every read), and hold the bound token sealed with KMS. A code binds once: a second
bind is refused, so nobody who sees the code can swap in their own token after the user has bound theirs.
"""

from __future__ import annotations

from typing import Any

from classworks import clock, ids
from classworks.logic import limits, metrics, tokens
from classworks.store import device_codes as store
from classworks.store import sealed
from suite.errors import BadRequest, Conflict, ServiceUnavailable

TTL_SECONDS = 15 * 60
MAX_CODE_LENGTH = 32
FIELD = "device_code_token"
_ATTEMPTS = 5


def _normalise(code: Any) -> str:
    if not isinstance(code, str) or not code.strip():
        return ""
    return code.strip().upper()[:MAX_CODE_LENGTH]


def create(source_ip: str) -> dict[str, Any]:
    limits.enforce(limits.CREDENTIALS, f"ip:{source_ip}")
    now = clock.now()
    for _ in range(_ATTEMPTS):
        code = ids.device_code()
        if store.create(code, int(now * 1000), int(now) + TTL_SECONDS):
            return {"device_code": code, "expires_in": TTL_SECONDS, "message": "请在前端输入此代码进行授权"}
    raise ServiceUnavailable("无法生成设备代码，请重试")


def bind(device_code: Any, token: Any, source_ip: str) -> dict[str, Any]:
    code = _normalise(device_code)
    if not code or not isinstance(token, str) or not token:
        raise BadRequest("请提供 device_code 和 token")
    limits.enforce(limits.CREDENTIALS, f"ip:{source_ip}")
    if tokens.authenticate(token) is None:
        raise BadRequest("无效的令牌")
    try:
        store.bind(code, sealed.seal(token, FIELD, owner=code), clock.epoch())
    except store.CodeUnavailable:
        raise BadRequest("设备代码不存在或已过期") from None
    except store.CodeAlreadyBound:
        raise Conflict("设备代码已绑定令牌") from None
    return {"success": True, "message": "令牌已成功绑定到设备代码"}


def _require_code(device_code: Any) -> str:
    code = _normalise(device_code)
    if not code:
        raise BadRequest("请提供 device_code")
    return code


def pick_up(device_code: Any) -> dict[str, Any]:
    """GET /auth/device/token: pending, success (once; the code is deleted), or expired."""
    code = _require_code(device_code)
    now = clock.epoch()
    taken = store.take_token(code, now)
    if taken is not None:
        metrics.count("DeviceCodeRedeemed")
        return {"status": "success", "token": sealed.unseal(taken, FIELD, owner=code)}
    entry = store.get(code, now)
    if entry is None:
        return {"status": "expired", "message": "设备代码不存在或已过期"}
    return {"status": "pending", "message": "等待用户授权", "expires_in": max(0, entry["expires_at"] - now)}


def status(device_code: Any) -> dict[str, Any]:
    """GET /auth/device/status (the original's debug route): whether a code exists and has a token."""
    code = _require_code(device_code)
    now = clock.epoch()
    entry = store.get(code, now)
    if entry is None:
        return {"device_code": code, "exists": False, "message": "设备代码不存在或已过期"}
    return {"device_code": code, "exists": True, "has_token": "tokenSealed" in entry,
            "expires_in": max(0, entry["expires_at"] - now), "created_at": entry["createdAt"]}
