"""API keys: `ak_<id>.<secret>`, shown once at creation, stored as a SHA-256 digest with a display hint.

A key acts for its owner within its permissions (logic/permissions.py). Created through a session it may hold
any permission of the catalogue; created or changed through another key, it may hold only what that key holds
(no key can mint a stronger one). `expires_in_seconds` (60 s to 10 years) sets an expiry; without it the key
lasts until revoked. An expired key is refused but stays listed until deleted.
"""

from __future__ import annotations

from typing import Any

from certctrl import clock, ids
from certctrl.logic import permissions
from certctrl.logic.callers import UserCaller
from certctrl.models.entities import ApiKey, Permission
from certctrl.store import apikeys, counters, users
from suite.errors import BadRequest, Forbidden, NotFound, Unauthorized
from suite.security.opaque_tokens import digest_matches

PREFIX = "ak_"
MIN_EXPIRY = 60
MAX_EXPIRY = 10 * 365 * 24 * 3600
TOUCH_EVERY_SECONDS = 300  # last_used_at is refreshed at most this often (not one write per request)


def view(key: ApiKey) -> dict[str, Any]:
    now = clock.epoch()
    return {
        "id": int(key.key_id), "user_id": int(key.owner_id), "name": key.name, "token_hint": key.hint,
        "permissions": [{"obtype": p.obtype, "obid": p.obid, "actions": list(p.actions)} for p in key.permissions],
        "created_at": int(key.created_at_ms), "updated_at": int(key.updated_at_ms),
        "expires_at": int(key.valid_until) if key.valid_until else None,
        "expired": bool(key.valid_until and key.valid_until <= now),
        "last_used_at": int(key.last_used_at) if key.last_used_at else None,
    }


def _expiry(seconds: int | None) -> int | None:
    if seconds is None or seconds == 0:
        return None
    if not MIN_EXPIRY <= seconds <= MAX_EXPIRY:
        raise BadRequest(f"expires_in_seconds: between {MIN_EXPIRY} and {MAX_EXPIRY} (0 or absent: no expiry)")
    return clock.epoch() + seconds


def _granted(caller: UserCaller, requested: list[dict[str, Any]]) -> list[dict[str, Any]]:
    normalized = permissions.normalize(requested)
    if caller.via == "apikey" and not permissions.covered_by(caller.permissions, normalized):
        raise Forbidden("An API key can only grant permissions it holds itself", code="403")
    return normalized


def create(caller: UserCaller, *, name: str, requested: list[dict[str, Any]],
           expires_in_seconds: int | None) -> tuple[ApiKey, str]:
    granted = _granted(caller, requested)
    valid_until = _expiry(expires_in_seconds)
    key_id = counters.next_id("apikeys")
    issued = ids.api_key(key_id)
    now_ms = clock.epoch_ms()
    key = ApiKey(apikeys.key(key_id), "APIKEY", owner_id=caller.user_id, key_id=key_id, name=name.strip(),
                 digest=issued.digest, hint=issued.hint, permissions=[Permission(**p) for p in granted],
                 created_at_ms=now_ms, updated_at_ms=now_ms, valid_until=valid_until)
    apikeys.save_new(key)
    return key, issued.plaintext


def owned(caller: UserCaller, key_id: int) -> ApiKey:
    key = apikeys.get(key_id)
    if key is None or int(key.owner_id) != caller.user_id:
        raise NotFound("API key not found", code="404")
    return key


def listing(caller: UserCaller, *, offset: int, limit: int) -> tuple[list[ApiKey], int]:
    return apikeys.list_for(caller.user_id, offset=offset, limit=limit), apikeys.count_for(caller.user_id)


def update(caller: UserCaller, key_id: int, *, name: str | None, requested: list[dict[str, Any]] | None,
           expires_in_seconds: int | None) -> ApiKey:
    key = owned(caller, key_id)
    granted = None if requested is None else [Permission(**p) for p in _granted(caller, requested)]
    valid_until = _expiry(expires_in_seconds) if expires_in_seconds else None
    return apikeys.update(key, name=name.strip() if name is not None else None, permissions=granted,
                          valid_until=valid_until, clear_expiry=expires_in_seconds == 0, now_ms=clock.epoch_ms())


def delete(caller: UserCaller, key_id: int) -> None:
    apikeys.delete(owned(caller, key_id))


def count(user_id: int) -> int:
    return apikeys.count_for(user_id)


def authenticate(token: str) -> UserCaller:
    """The owner of a valid key, acting through it; 401 for anything else (unknown, wrong secret, expired, the
    owner no longer active)."""
    refused = Unauthorized("Invalid API key", code="401")
    head, dot, _secret = token.partition(".")
    if not token.startswith(PREFIX) or not dot or not head[len(PREFIX):].isdigit() or len(token) > 256:
        raise refused
    key = apikeys.get(int(head[len(PREFIX):]))
    if key is None or not digest_matches(token, key.digest):
        raise refused
    now = clock.epoch()
    if key.valid_until and key.valid_until <= now:
        raise Unauthorized("API key expired", code="401")
    user = users.get(int(key.owner_id))
    if user is None or user.state != "ACTIVE":
        raise refused
    if not key.last_used_at or now - int(key.last_used_at) >= TOUCH_EVERY_SECONDS:
        apikeys.touch(key, now)
    return UserCaller(user=user, via="apikey", api_key=key)
