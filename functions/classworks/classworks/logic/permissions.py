"""Which KV keys an app token may touch (notes/kv.md §4, the v2 `appPrefixAuthMiddleware`).

A key is allowed iff it is one of the globally readable keys, or it starts with `permissionPrefix + "."`, or,
for some special permission p, it equals p or starts with `p + "."`. The dot matters: prefix `myapp` grants
`myapp.notes`, never `myapp` itself nor `myappX`. Reads, writes, deletes and listings all use this one rule
(read-only tokens are refused writes separately).
"""

from __future__ import annotations

from collections.abc import Iterable

GLOBAL_READABLE_KEYS = frozenset({"_info", "_check", "_hint", "_keys"})


def key_allowed(key: str, permission_prefix: str | None, special_permissions: Iterable[str] = ()) -> bool:
    if key in GLOBAL_READABLE_KEYS:
        return True
    # An empty prefix or grant would turn "." into a prefix of every dotted key: such values grant nothing.
    if permission_prefix and key.startswith(permission_prefix + "."):
        return True
    return any(grant and (key == grant or key.startswith(grant + ".")) for grant in special_permissions)


def denied_message(key: str, permission_prefix: str | None) -> str:
    return f"无权限访问键 '{key}'。需要权限前缀 '{permission_prefix or ''}.' 或特殊权限。"
