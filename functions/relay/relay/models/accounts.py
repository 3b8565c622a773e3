"""Upstream accounts and account groups: bodies (credentials accepted, never answered) and views."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from relay.models.common import Body, amount

AccountTypeName = Literal["claude-official", "claude-console", "bedrock", "openai", "openai-responses",
                          "azure-openai", "gemini", "gemini-api", "droid", "claude-ccr"]
Status = Literal["valid", "invalid", "rate_limited", "overloaded", "token_expired", "suspended", "banned",
                 "disabled"]
# Credentials travel in HTTP headers: printable ASCII only.
Secret = Annotated[str, StringConstraints(max_length=20000, pattern=r"^[\x20-\x7e]*$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Url = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2048)]


def _blank_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


def _json_text(value: object) -> object:
    if isinstance(value, dict):
        import json  # noqa: PLC0415

        return json.dumps(value, ensure_ascii=False)
    return value


OptionalId = Annotated[Annotated[int, Field(ge=1)] | None, BeforeValidator(_blank_none)]
Mapping = Annotated[Annotated[str, StringConstraints(max_length=20000)] | None, BeforeValidator(_json_text)]


class _AccountFields(Body):
    description: Text | None = None
    enabled: bool | None = None
    priority: Annotated[int, Field(ge=1, le=100)] | None = None
    weight: Annotated[int, Field(ge=1, le=10000)] | None = None
    max_concurrency: Annotated[int, Field(ge=1, le=1000)] | None = None
    account_type: Annotated[str, StringConstraints(max_length=20)] | None = None
    daily_budget: amount(10**7) | None = None
    api_key: Secret | None = None
    api_secret: Secret | None = None
    access_token: Secret | None = None
    refresh_token: Secret | None = None
    session_key: Secret | None = None
    aws_access_key: Secret | None = None
    aws_secret_key: Secret | None = None
    aws_session_token: Secret | None = None
    organization_id: Text | None = None
    subscription_level: Text | None = None
    opus_access: bool | None = None
    aws_region: Text | None = None
    azure_endpoint: Url | None = None
    azure_deployment_name: Text | None = None
    azure_api_version: Text | None = None
    base_url: Url | None = None
    model_mapping: Mapping = None
    allowed_models: Text | None = None
    proxy_id: OptionalId = None
    token_expiry: Annotated[str, StringConstraints(max_length=40)] | None = None


class AccountCreate(_AccountFields):
    name: Name
    type: AccountTypeName


class AccountUpdate(_AccountFields):
    name: Name | None = None
    status: Status | None = None
    last_error: Text | None = None
    clear_proxy: bool = False
    clear_model_mapping: bool = False
    clear_allowed_models: bool = False


class StatusChange(Body):
    status: Status
    last_error: Text | None = None


class AccountType(BaseModel):
    value: str
    label: str
    platform: str


class ProxyBrief(BaseModel):
    id: int
    name: str
    type: str
    host: str
    port: int
    enabled: bool


class GroupBrief(BaseModel):
    id: int
    name: str


class AccountView(BaseModel):
    """An account as the accounts screen reads it. A set credential shows as "****" (the screen tests it for
    truthiness to show how the account signs in) and `has_<field>: true`; no credential is ever returned."""

    model_config = ConfigDict(extra="allow")

    id: int
    name: str
    type: str
    platform: str
    status: str
    enabled: bool
    priority: int
    weight: int
    max_concurrency: int
    credential_fields: list[str]
    today_tokens: int
    today_count: int
    today_cost: float
    total_cost: float
    budget_utilization: float
    current_concurrency: int
    proxy: ProxyBrief | None = None
    groups: list[GroupBrief]
    created_at: str
    updated_at: str


class AccountsPage(BaseModel):
    items: list[AccountView]
    total: int
    page: int
    page_size: int


class HealthResult(BaseModel):
    healthy: bool
    message: str
    status: str
    http_status: int | None = None
    latency_ms: int | None = None


class HealthStatus(BaseModel):
    model_config = ConfigDict(extra="allow")

    enabled: bool
    interval_minutes: int
    running: bool
    last_run_at: str | None
    last_result: dict[str, Any] | None


class GroupCreate(Body):
    name: Name
    description: Text = ""
    platform: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] = ""
    is_default: bool = False


class GroupUpdate(Body):
    name: Name | None = None
    description: Text | None = None
    platform: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = None
    is_default: bool | None = None


class GroupMemberBody(Body):
    account_id: Annotated[int, Field(ge=1)]


class GroupView(BaseModel):
    id: int
    name: str
    description: str
    platform: str
    is_default: bool
    account_count: int
    accounts: list[dict[str, Any]]
    created_at: str
    updated_at: str


class GroupsPage(BaseModel):
    items: list[GroupView]
    total: int
    page: int
    page_size: int


class Concurrency(BaseModel):
    account_id: int | None = None
    user_id: int | None = None
    current: int
    limit: int
    available: int


class ConcurrencyLimit(Body):
    limit: Annotated[int, Field(ge=1, le=1000)]


class UnavailableBody(Body):
    duration: Annotated[int, Field(ge=1, le=30 * 86400)] = 300
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = "marked by an admin"


class Unavailable(BaseModel):
    account_id: int
    reason: str
    until: str
    remaining_ttl: int
