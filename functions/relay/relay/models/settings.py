"""System configs, error messages and error rules: bodies and views."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, StringConstraints

from relay.models.common import Body

Key = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Value = str | int | float | bool
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]
TargetStatus = Literal["valid", "invalid", "rate_limited", "overloaded", "token_expired", "suspended", "banned",
                       "disabled"]


class ConfigEntry(BaseModel):
    key: str
    value: str
    type: str
    category: str
    description: str
    desc: str
    updated_at: str | None


class ConfigsAnswer(BaseModel):
    items: list[ConfigEntry]
    grouped: dict[str, list[ConfigEntry]]


class CategoryAnswer(BaseModel):
    items: list[ConfigEntry]


class ConfigUpdate(Body):
    """The admin UI's `{configs: {key: value}}`, or the docs' `{category, key, value}`."""

    configs: Annotated[dict[Key, Value], Field(max_length=100)] | None = None
    category: Key | None = None
    key: Key | None = None
    value: Value | None = None


class Updated(BaseModel):
    message: str
    items: list[ConfigEntry]


class SyncStatus(BaseModel):
    model_config = ConfigDict(extra="allow")

    enabled: bool
    mode: str
    pending: int
    last_sync_at: str


class MessageCreate(Body):
    code: Annotated[int, Field(ge=100, le=599)]
    error_type: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50,
                                                 pattern=r"^[a-z0-9_]+$")]
    custom_message: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    enabled: bool = True
    description: Text = ""


class MessageUpdate(Body):
    code: Annotated[int, Field(ge=100, le=599)] | None = None
    error_type: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50,
                                                 pattern=r"^[a-z0-9_]+$")] | None = None
    custom_message: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)] | None = None
    enabled: bool | None = None
    description: Text | None = None


class MessageView(BaseModel):
    id: int
    code: int
    error_type: str
    custom_message: str
    original_message: str
    enabled: bool
    description: str
    created_at: str
    updated_at: str


class Affected(BaseModel):
    model_config = ConfigDict(extra="allow")

    affected: int


class Counted(BaseModel):
    model_config = ConfigDict(extra="allow")

    message: str


class ErrorRuleCreate(Body):
    http_status_code: Annotated[int, Field(ge=0, le=599)] = Field(
        default=0, validation_alias=AliasChoices("http_status_code", "http_status"))
    keyword: Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)] = ""
    target_status: TargetStatus
    priority: Annotated[int, Field(ge=0, le=100000)] = 0
    enabled: bool = True
    description: Text = ""


class ErrorRuleUpdate(Body):
    http_status_code: Annotated[int, Field(ge=0, le=599)] | None = Field(
        default=None, validation_alias=AliasChoices("http_status_code", "http_status"))
    keyword: Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)] | None = None
    target_status: TargetStatus | None = None
    priority: Annotated[int, Field(ge=0, le=100000)] | None = None
    enabled: bool | None = None
    description: Text | None = None


class ErrorRuleView(BaseModel):
    id: int
    http_status_code: int
    http_status: int
    keyword: str
    target_status: str
    priority: int
    enabled: bool
    description: str
    created_at: str
    updated_at: str


class ErrorRulesPage(BaseModel):
    items: list[ErrorRuleView]
    total: int
    page: int
    page_size: int
