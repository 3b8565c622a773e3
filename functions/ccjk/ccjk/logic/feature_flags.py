"""Feature flags for the clients' handshake (`POST /api/v1/handshake`, logic/bootstrap.py, serves them): the
handshake's defaults, overridden by what an admin set with PUT /admin/feature-flags (CcjkTable's
`CONFIG#feature-flags` item, which the handshake reads; it caches it a minute, so a change reaches every client
within one). `current()` is what a handshake serves.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ccjk import clock
from ccjk.logic import bootstrap
from ccjk.store import flags as flag_data
from suite.errors import BadRequest, Conflict

DEFAULTS: dict[str, Any] = {**bootstrap.DEFAULT_FLAGS, "syncInterval": bootstrap.SYNC_INTERVAL_MS,
                            "upgradeCheckInterval": bootstrap.UPGRADE_CHECK_INTERVAL_MS, "minClientVersion": None}
BOOLEANS = {"silentUpgrade", "telemetryEnabled", "autoSync", "analytics"}
INTERVALS = {"syncInterval", "upgradeCheckInterval"}
MAX_FLAGS = 50
VERSION_RE = re.compile(r"\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?")


def _stored() -> tuple[dict[str, Any], int, str | None, str | None]:
    entry = flag_data.get()
    if entry is None:
        return {}, 0, None, None
    try:
        flags = json.loads(entry.flags)
    except ValueError:
        flags = {}
    return flags, int(entry.revision), clock.iso(float(entry.updated_ms) / 1000), entry.updated_by


def current() -> dict[str, Any]:
    """The flags in effect."""
    return {**DEFAULTS, **_stored()[0]}


def view() -> dict[str, Any]:
    overrides, revision, updated_at, updated_by = _stored()
    return {"flags": {**DEFAULTS, **overrides}, "defaults": dict(DEFAULTS),
            "overrides": overrides, "revision": revision, "updatedAt": updated_at, "updatedBy": updated_by}


def _checked(name: str, value: Any) -> Any:
    def bad(message: str) -> BadRequest:
        return BadRequest(f"flags.{name}: {message}", code="VALIDATION_ERROR", details={"field": f"flags.{name}"})

    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,63}", name):
        raise bad("flag names are letters, digits and '_' (at most 64)")
    if value is None:
        return None
    if name in BOOLEANS and not isinstance(value, bool):
        raise bad("must be true or false")
    if name in INTERVALS and (isinstance(value, bool) or not isinstance(value, int) or value < 60_000):
        raise bad("must be an integer of at least 60000 (milliseconds)")
    if name == "minClientVersion" and (not isinstance(value, str) or not VERSION_RE.fullmatch(value)):
        raise bad("must be a version such as 9.4.13")
    if not isinstance(value, str | int | float | bool) or len(json.dumps(value)) > 1024:
        raise bad("must be a string, number or boolean (at most 1 KB)")
    return value


def update(changes: dict[str, Any], *, updated_by: str | None) -> dict[str, Any]:
    """Set flags (null resets one to its default); concurrent admins never lose each other's changes."""
    checked = {name: _checked(name, value) for name, value in changes.items()}
    for _attempt in range(3):
        overrides, revision, *_rest = _stored()
        merged = {**overrides, **{k: v for k, v in checked.items() if v is not None}}
        for name, value in checked.items():
            if value is None:
                merged.pop(name, None)
        if len(merged) > MAX_FLAGS:
            raise BadRequest(f"at most {MAX_FLAGS} flags", code="VALIDATION_ERROR", details={"field": "flags"})
        try:
            flag_data.save(json.dumps(merged, ensure_ascii=False), revision=revision + 1,
                           now_ms=int(clock.now() * 1000), updated_by=updated_by)
        except flag_data.Stale:
            continue
        return view()
    raise Conflict("The flags changed meanwhile; try again", code="CONFLICT")
