"""The CLI's auto-bootstrap calls (`/api/v1/devices/register`, `/api/v1/handshake`, `/api/v1/sync`)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from ccjk.models.common import Body, View

InstallId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$",
                                 description="The client's random install id (a UUID)")]
MAX_STATS_KEYS = 50


class InstallRegister(Body):
    deviceId: InstallId
    fingerprint: str | None = Field(None, max_length=128)
    osType: str | None = Field(None, max_length=32)
    osVersion: str | None = Field(None, max_length=64)
    platform: str | None = Field(None, max_length=32)
    ccjkVersion: str | None = Field(None, max_length=32)


class Handshake(Body):
    deviceId: InstallId
    ccjkVersion: str | None = Field(None, max_length=32)


class InstallSync(Body):
    deviceId: InstallId
    timestamp: str | None = Field(None, max_length=64)
    stats: dict[str, Any] | None = Field(None, max_length=MAX_STATS_KEYS)


# ------------------------------------------------------------------------------------------------ responses

class InstallRegistered(View):
    deviceId: str
    registeredAt: str = Field(description="The first registration's time (the same on every repeat)")
    isNew: bool


class HandshakeData(View):
    featureFlags: dict[str, Any] = Field(description="silentUpgrade, telemetryEnabled, ... (from configuration)")
    syncInterval: int = Field(description="milliseconds (1800000)")
    upgradeCheckInterval: int
    minClientVersion: str | None = None


class Synced(View):
    deviceId: str
    receivedAt: str
