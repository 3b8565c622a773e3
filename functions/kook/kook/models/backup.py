"""Request bodies of the backup routes (pydantic). Secrets are plain `str` and never echoed in errors."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from kook.models.common import Lenient


class RestoreIn(Lenient):
    backup_id: str = Field(pattern=r"^backup_\d{8}_\d{6}(\.json)?$")
    mode: Literal["merge", "replace"] = "merge"


class AutoBackupIn(Lenient):
    keep: int | None = Field(default=None, ge=1, le=100)
