"""Cloud sync: push, pull, resolve-conflict."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ccjk.models.common import Body


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


class PullRequest(Body):
    since: str | None = None
    types: list[Literal["skills", "mcpServers", "prompts", "hooks"]] | None = None


class ResolveConflict(Body):
    conflictId: str = Field(min_length=1, max_length=64)
    resolution: Literal["local", "remote", "merged"]
    mergedContent: Any = None
