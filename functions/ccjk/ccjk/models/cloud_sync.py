"""Cloud sync: push, pull, resolve-conflict, and what the sync routes answer."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ccjk.models.common import Body, View

Resolution = Literal["local", "remote", "merged"]


class SyncData(BaseModel):
    model_config = ConfigDict(extra="forbid")  # an unknown type is a mistake worth a 400, not silence

    skills: list[Any] | None = None
    mcpServers: dict[str, Any] | None = None
    prompts: list[Any] | None = None
    hooks: list[Any] | None = None


class PushRequest(Body):
    data: SyncData
    force: bool = False
    baseVersions: dict[str, int] | None = Field(
        None, description='"<type>/<itemId>" → the version the client last pulled (from pull\'s `versions`)')


SyncType = Literal["skills", "mcpServers", "prompts", "hooks"]


class PullRequest(Body):
    since: str | None = None
    types: list[SyncType] | None = None


class ResolveConflict(Body):
    conflictId: str = Field(min_length=1, max_length=64)
    resolution: Resolution
    mergedContent: Any = None


# ------------------------------------------------------------------------------------------------ responses

class ConflictView(View):
    conflictId: str
    type: SyncType
    itemId: str
    localHash: str = Field(description="SHA-256 of the rejected copy")
    remoteHash: str = Field(description="SHA-256 of the cloud's copy")
    remoteVersion: int
    detectedAt: str
    baseVersion: int | None = Field(None, description="The version the push was based on, when it said")


class Pushed(View):
    syncId: str
    syncedAt: str
    applied: int
    unchanged: int
    conflicts: list[ConflictView]
    versions: dict[str, int] = Field(description='"<type>/<itemId>" → the version now stored')


class ItemVersion(View):
    version: int
    contentHash: str
    updatedAt: str


class Pulled(View):
    """The requested types (all four by default), in the push's shape."""

    skills: list[Any] | None = None
    mcpServers: dict[str, Any] | None = None
    prompts: list[Any] | None = None
    hooks: list[Any] | None = None
    versions: dict[str, ItemVersion] = Field(description='"<type>/<itemId>" → its version, hash and time')
    lastSyncAt: str


class SyncStatus(View):
    lastSyncAt: str | None
    pendingChanges: int = Field(description="Items changed since this client (X-Device-ID) last pulled")
    conflicts: int
    conflictList: list[ConflictView]


class ResolvedItem(View):
    type: SyncType
    itemId: str
    version: int
    contentHash: str


class Resolved(View):
    conflictId: str
    resolved: bool
    resolution: Resolution
    appliedAt: str
    item: ResolvedItem | None
