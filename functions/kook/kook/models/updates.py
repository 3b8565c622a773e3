"""Response bodies of the update routes (pydantic)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class Downloads(BaseModel):
    windows: str | None
    macos: str | None
    linux: str | None


class UpdateDetails(BaseModel):
    """The check again as the original's Advanced screen reads it (`data`)."""

    has_update: bool
    current_version: str
    latest_version: str
    release_name: str
    release_notes: str
    published_at: str | None
    release_url: str
    downloads: Downloads
    checked_at: str


class UpdateCheck(BaseModel):
    success: Literal[True]
    current_version: str
    latest_version: str
    update_available: bool
    has_update: bool  # = update_available, the original front-end's name
    release_notes: str
    download_url: str
    published_at: str | None
    checked_at: str
    data: UpdateDetails


class UpdateCheckFailed(BaseModel):
    """GitHub could not be reached: the original's 200 `{success: false, message}`, with the current version."""

    success: Literal[False]
    message: str
    error_code: str  # NETWORK_ERROR
    current_version: str
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
