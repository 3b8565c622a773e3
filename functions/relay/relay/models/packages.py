"""Packages (templates) and users' packages: bodies (the code's names, with the docs' aliases) and views."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AliasChoices, BaseModel, Field, StringConstraints

from relay.models.common import Body, amount

Usd = amount(10**9)
Days = Annotated[int, Field(ge=0, le=36500)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
When = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]


class PackageCreate(Body):
    """The code's body; the docs' `valid_days` and `token_quota` are accepted as `duration` and `quota_amount`."""

    name: Name
    type: Literal["subscription", "quota"] = "quota"
    price: Usd = 0
    duration: Days = Field(default=30, validation_alias=AliasChoices("duration", "valid_days"))
    daily_quota: Usd = 0
    weekly_quota: Usd = 0
    monthly_quota: Usd = 0
    quota_amount: Usd = Field(default=0, validation_alias=AliasChoices("quota_amount", "token_quota"))
    allowed_models: Text = ""
    allowed_platforms: Text = "all"
    rate_limit: Annotated[int, Field(ge=0, le=100000)] = 0
    daily_limit: Annotated[int, Field(ge=0, le=10**9)] = 0
    description: Text = ""
    status: Literal["active", "disabled"] = "active"


class PackageUpdate(Body):
    name: Name | None = None
    price: Usd | None = None
    duration: Days | None = Field(default=None, validation_alias=AliasChoices("duration", "valid_days"))
    daily_quota: Usd | None = None
    weekly_quota: Usd | None = None
    monthly_quota: Usd | None = None
    quota_amount: Usd | None = Field(default=None, validation_alias=AliasChoices("quota_amount", "token_quota"))
    allowed_models: Text | None = None
    allowed_platforms: Text | None = None
    rate_limit: Annotated[int, Field(ge=0, le=100000)] | None = None
    daily_limit: Annotated[int, Field(ge=0, le=10**9)] | None = None
    description: Text | None = None
    status: Literal["active", "disabled"] | None = None


class PackageView(BaseModel):
    id: int
    name: str
    type: str
    price: float
    duration: int
    valid_days: int
    daily_quota: float
    weekly_quota: float
    monthly_quota: float
    quota_amount: float
    token_quota: float
    allowed_models: str
    allowed_platforms: str
    rate_limit: int
    daily_limit: int
    description: str
    status: str
    created_at: str
    updated_at: str


class AssignPackage(Body):
    package_id: Annotated[int, Field(ge=1)]
    token_quota: Usd | None = None  # docs: overrides the quota of a quota package
    valid_days: Days | None = None
    start_time: When | None = None


class UserPackageUpdate(Body):
    status: Literal["active", "expired", "exhausted", "disabled"] | None = None
    expire_time: When | None = Field(default=None, validation_alias=AliasChoices("expire_time", "end_time"))
    daily_quota: Usd | None = None
    weekly_quota: Usd | None = None
    monthly_quota: Usd | None = None
    daily_used: Usd | None = None
    weekly_used: Usd | None = None
    monthly_used: Usd | None = None
    quota_total: Usd | None = Field(default=None, validation_alias=AliasChoices("quota_total", "token_quota"))
    quota_used: Usd | None = None
    allowed_models: Text | None = None


class UserPackageView(BaseModel):
    id: int
    user_id: int
    package_id: int
    name: str
    type: str
    status: str
    start_time: str | None
    expire_time: str | None
    end_time: str | None
    daily_quota: float
    weekly_quota: float
    monthly_quota: float
    daily_used: float
    weekly_used: float
    monthly_used: float
    quota_total: float
    quota_used: float
    quota_remaining: float
    allowed_models: str
    last_reset_day: str
    last_reset_week: str
    last_reset_month: str
    created_at: str
    updated_at: str


class UserPackageDeleted(BaseModel):
    message: str
    unbound_keys: int
