"""API keys: create/update bodies and the key as the user and admin screens read it (never the key itself,
except once in `KeyCreated`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, Field, StringConstraints

from relay.models.common import Body, amount

Csv = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


def _blank_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


When = Annotated[Annotated[str, StringConstraints(max_length=40)] | None, BeforeValidator(_blank_none)]
OptionalId = Annotated[Annotated[int, Field(ge=1)] | None, BeforeValidator(_blank_none)]


class KeyCreate(Body):
    name: Name
    user_package_id: OptionalId = None
    allowed_platforms: Csv | None = None
    allowed_models: Csv | None = None
    blocked_models: Csv | None = None
    allowed_clients: Csv | None = None
    rate_limit: Annotated[int, Field(ge=0, le=100000)] | None = None
    daily_limit: Annotated[int, Field(ge=0, le=10**9)] | None = None
    monthly_quota: amount(10**9) | None = None
    expires_at: When = None


class KeyUpdate(KeyCreate):
    name: Name | None = None  # type: ignore[assignment]
    status: Literal["active", "disabled"] | None = None


class PackageBrief(BaseModel):
    id: int
    name: str
    type: str
    status: str


class OwnerBrief(BaseModel):
    id: int
    username: str


class KeyView(BaseModel):
    id: int
    user_id: int
    name: str
    key_prefix: str
    key_suffix: str
    status: Literal["active", "disabled", "expired"]
    price_rate: float
    user_package_id: int | None = None
    user_package: PackageBrief | None = None
    billing_type: str
    allowed_platforms: str
    allowed_models: str
    blocked_models: str
    allowed_clients: str
    rate_limit: int
    daily_limit: int
    monthly_quota: float
    expires_at: str | None = None
    request_count: int
    tokens_used: int
    cost_used: float
    last_used_at: str | None = None
    created_at: str
    updated_at: str
    user: OwnerBrief | None = None


class KeyCreated(BaseModel):
    """The only answer that holds the key: shown once, kept nowhere (only its digest is stored)."""

    id: int
    name: str
    key: str
    key_prefix: str
    key_suffix: str


class KeysPage(BaseModel):
    items: list[KeyView]
    total: int
    page: int
    page_size: int


class KeyUsage(BaseModel):
    api_key_id: int
    total_requests: int
    total_tokens: int
    input_tokens: int
    output_tokens: int
    cache_creation_input_tokens: int
    cache_read_input_tokens: int
    total_cost: float
    today: dict
    this_month: dict


class KeyBrief(BaseModel):
    id: int
    user_id: int
    name: str
    key_prefix: str
    key_suffix: str
    status: str


class KeyLookup(BaseModel):
    items: list[KeyBrief]
