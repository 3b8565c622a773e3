"""Bodies of a device's install config (history, restore) and config files."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field


class InstallConfigBody(BaseModel):
    installs: Annotated[list[dict[str, Any]], Field(max_length=200)]
    after_update_script: Annotated[str, Field(max_length=65536)] | None = None
    change_note: Annotated[str, Field(max_length=256)] | None = None


class RestoreBody(BaseModel):
    version: Annotated[int, Field(ge=1)]
    change_note: Annotated[str, Field(max_length=256)] | None = None


class InstallConfigView(BaseModel):
    id: int
    user_device_id: int
    version: int
    installs: list[dict[str, Any]]
    installs_hash: str
    after_update_script: str | None = None
    updated_by: str | None = None
    created_at: int  # epoch seconds
    updated_at: int  # epoch seconds


class InstallConfigHistoryView(BaseModel):
    version: int
    installs: list[dict[str, Any]]
    installs_hash: str
    after_update_script: str | None = None
    change_note: str | None = None
    updated_by: str | None = None
    created_at: int  # epoch seconds


ConfigFileName = Literal["application", "websocket"]


class ConfigFileBody(BaseModel):
    content: dict[str, Any]


class NewConfigFile(ConfigFileBody):
    file: ConfigFileName


class ConfigFileView(BaseModel):
    file: str
    content: dict[str, Any]
    version: int
    updated_at: int  # ms


class InstallConfigPatch(BaseModel):
    """`/apiv1/me/install-config-update`'s object form (the legacy form is the list of patches itself)."""

    patches: Annotated[list[dict[str, Any]], Field(max_length=200)] = []
    after_update_script: Annotated[str, Field(max_length=65536)] | None = None
