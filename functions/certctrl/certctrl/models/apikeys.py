"""Bodies of the API key routes and the catalogue."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

ObjectId = Annotated[str, Field(min_length=1, max_length=64)] | Annotated[int, Field(ge=0)]


class PermissionIn(BaseModel):
    obtype: Annotated[str, Field(min_length=1, max_length=64)]
    obid: ObjectId = "*"
    actions: Annotated[list[Annotated[str, Field(min_length=1, max_length=32)]], Field(min_length=1, max_length=16)]


class CreateApiKey(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=64)]
    permissions: Annotated[list[PermissionIn], Field(min_length=1, max_length=50)]
    expires_in_seconds: Annotated[int, Field(ge=0, le=10 * 365 * 24 * 3600)] | None = None


class UpdateApiKey(BaseModel):
    """Only what is sent changes; `expires_in_seconds: 0` removes the expiry."""

    name: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    permissions: Annotated[list[PermissionIn], Field(min_length=1, max_length=50)] | None = None
    expires_in_seconds: Annotated[int, Field(ge=0, le=10 * 365 * 24 * 3600)] | None = None


class PermissionView(BaseModel):
    obtype: str
    obid: str
    actions: list[str]


class ApiKeyView(BaseModel):
    id: int
    user_id: int
    name: str
    token_hint: str
    permissions: list[PermissionView]
    created_at: int  # ms
    updated_at: int  # ms
    expires_at: int | None = None  # epoch seconds
    expired: bool
    last_used_at: int | None = None  # epoch seconds


class CreatedApiKey(ApiKeyView):
    token: str  # shown once


class CatalogEntry(BaseModel):
    obtype: str
    description: str
    actions: list[str]
    obid: str


class DnsProviderField(BaseModel):
    name: str
    label: str
    secret: bool


class DnsProvider(BaseModel):
    id: str
    name: str
    fields: list[DnsProviderField]
    cname_delegation: bool


class PaymentChannel(BaseModel):
    id: str
    name: str
    currencies: list[str]
    enabled: bool


class FxRate(BaseModel):
    base: str
    quote: str
    rate: str  # decimal text: money never goes through a float
    updated_at: int  # ms
