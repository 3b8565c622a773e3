"""The CLI's silent start-up calls (src/services/cloud/auto-bootstrap.ts; docs/ccjk-client.md, Flow 8): register an
anonymous install once, a handshake at every start (feature flags and intervals), a sync of usage stats at most
every 30 minutes. The client ignores every answer and every failure, so these answer quickly and never block;
they are limited per install id and per address (routes)."""

from __future__ import annotations

from typing import Any

from ccjk import clock
from ccjk.models.bootstrap import Handshake, InstallRegister, InstallSync
from ccjk.store import feature_flags, installs
from suite.errors import BadRequest

SYNC_INTERVAL_MS = 1_800_000
UPGRADE_CHECK_INTERVAL_MS = 21_600_000
DEFAULT_FLAGS: dict[str, Any] = {"silentUpgrade": False, "telemetryEnabled": True, "autoSync": True,
                                 "analytics": False}


def _same_install(body_id: str, header_id: str | None) -> str:
    if header_id and header_id.strip() and header_id.strip() != body_id:
        raise BadRequest("X-Device-ID and deviceId disagree", code="VALIDATION_ERROR", details={"field": "deviceId"})
    return body_id


def register(request: InstallRegister) -> tuple[dict[str, Any], bool]:
    now = clock.now()
    profile = request.model_dump(exclude={"deviceId"}, exclude_none=True)
    registered_at, is_new = installs.register(request.deviceId, profile, now_iso=clock.iso(now), now=int(now))
    return {"deviceId": request.deviceId, "registeredAt": registered_at, "isNew": is_new}, is_new


def handshake(request: Handshake, header_id: str | None) -> dict[str, Any]:
    """Both shapes the clients know: the typed one (`features`, `config`) and the live server's (`featureFlags`,
    `syncInterval`), flags from configuration."""
    install_id = _same_install(request.deviceId, header_id)
    now = clock.now()
    installs.seen(install_id, "last_handshake_at", now_iso=clock.iso(now), now=int(now))
    flags = {**DEFAULT_FLAGS, **feature_flags.current()}
    answer: dict[str, Any] = {
        "featureFlags": flags, "syncInterval": int(flags.get("syncInterval") or SYNC_INTERVAL_MS),
        "upgradeCheckInterval": UPGRADE_CHECK_INTERVAL_MS}
    if flags.get("minClientVersion"):
        answer["minClientVersion"] = str(flags["minClientVersion"])
    return {
        "deviceId": install_id, "serverTime": clock.iso(now),
        "features": {"autoSync": bool(flags.get("autoSync")), "silentUpgrade": bool(flags.get("silentUpgrade")),
                     "analytics": bool(flags.get("analytics"))},
        "config": {"syncInterval": answer["syncInterval"], "upgradeCheckInterval": UPGRADE_CHECK_INTERVAL_MS},
        "data": answer,
    }


def sync(request: InstallSync, header_id: str | None) -> dict[str, Any]:
    install_id = _same_install(request.deviceId, header_id)
    now = clock.now()
    installs.seen(install_id, "last_sync_at", now_iso=clock.iso(now), now=int(now), stats=request.stats or {})
    return {"deviceId": install_id, "receivedAt": clock.iso(now)}
