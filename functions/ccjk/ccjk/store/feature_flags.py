"""Feature flags for the CLI's handshake: one item `CONFIG#feature-flags` / `FLAGS` (`flags`: JSON object), written
by the admin API (`PUT /admin/feature-flags`) and read here, cached FLAGS_CACHE_SECONDS per execution environment.
Defaults come from configuration (logic/bootstrap.py); the item's keys win."""

from __future__ import annotations

import json
import time
from typing import Any

from ccjk.store.common import table
from suite import dynamo

FLAGS_PK, FLAGS_SK = "CONFIG#feature-flags", "FLAGS"
FLAGS_CACHE_SECONDS = 60
_cache: dict[str, tuple[float, dict[str, Any]]] = {}


def current() -> dict[str, Any]:
    cached = _cache.get(table())
    if cached and cached[0] > time.monotonic():
        return cached[1]
    found = dynamo.get(table(), FLAGS_PK, FLAGS_SK, consistent=False) or {}
    try:
        flags = json.loads(found.get("flags") or "{}")
    except ValueError:
        flags = {}
    flags = flags if isinstance(flags, dict) else {}
    _cache[table()] = (time.monotonic() + FLAGS_CACHE_SECONDS, flags)
    return flags
