"""Which KV keys an app token may touch: two scopes, decided once when the token is issued (docs/classworks.md
"Who may do what").

- `catalogue` (apps.md, generation v2, notes/kv.md §4, the v2 `appPrefixAuthMiddleware`): the token of an app of
  the catalogue (an integer id, or a string of decimal digits naming one). A key is allowed iff it is one of the
  globally readable keys, or it starts with `permissionPrefix + "."`, or, for some special permission p, it
  equals p or starts with `p + "."`. The dot matters: prefix `myapp` grants `myapp.notes`, never `myapp` itself
  nor `myappX`.
- `device` (the current original, generation v3): the token of any other app id, an opaque string such as the
  Classworks board's `d158067f53627d2b98babe8bffd2fd7d`. As in the original's `kvTokenAuth`, every key of the
  token's own device.

Reads, writes, deletes, listings and live changes all use this one rule (read-only tokens are refused writes
separately, whatever their scope). Records written before scopes existed have none: they are catalogue tokens.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

GLOBAL_READABLE_KEYS = frozenset({"_info", "_check", "_hint", "_keys"})
CATALOGUE = "catalogue"
DEVICE = "device"


def key_allowed(key: str, permission_prefix: str | None, special_permissions: Iterable[str] = ()) -> bool:
    """The catalogue rule."""
    if key in GLOBAL_READABLE_KEYS:
        return True
    # An empty prefix or grant would turn "." into a prefix of every dotted key: such values grant nothing.
    if permission_prefix and key.startswith(permission_prefix + "."):
        return True
    return any(grant and (key == grant or key.startswith(grant + ".")) for grant in special_permissions)


def scope_of(record: Mapping[str, Any]) -> str:
    return DEVICE if record.get("scope") == DEVICE else CATALOGUE


def token_allows(record: Mapping[str, Any], key: str) -> bool:
    """Whether the token with this record (an install or token record) may touch `key` of its device."""
    if scope_of(record) == DEVICE:
        return True
    return key_allowed(key, record.get("permissionPrefix"), record.get("specialPermissions") or ())


def denied_message(key: str, permission_prefix: str | None) -> str:
    return f"无权限访问键 '{key}'。需要权限前缀 '{permission_prefix or ''}.' 或特殊权限。"
