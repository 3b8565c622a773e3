"""Response bodies of the update routes (pydantic)."""

from __future__ import annotations

from pydantic import BaseModel


class UpdateCheck(BaseModel):
    current_version: str
    latest_version: str
    update_available: bool
    release_notes: str
    download_url: str
    published_at: str | None
    checked_at: str


class UpdateStatus(BaseModel):
    current_version: str
    latest_version: str
    update_available: bool
    last_check: str
    repository: str
    check_interval_hours: int


class ReleaseAsset(BaseModel):
    name: str
    size: int
    download_url: str


class LatestRelease(BaseModel):
    version: str
    name: str
    published_at: str
    release_notes: str
    download_url: str
    assets: list[ReleaseAsset]


class PlatformDownload(BaseModel):
    platform: str  # windows | macos | linux
    version: str
    file_name: str
    size: int
    download_url: str
