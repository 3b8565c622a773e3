"""Bodies of the private CAs group (the contract's fields)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

Text = Annotated[str, Field(max_length=64)]
Name = Annotated[str, Field(min_length=1, max_length=253)]


class CaBody(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=128)]
    algorithm: Annotated[str, Field(max_length=16)] = "ECDSA"
    key_size: Annotated[int, Field(ge=1, le=16384)] | None = None
    curve_name: Text | None = None
    country: Text | None = None
    organization: Text | None = None
    organizational_unit: Text | None = None
    common_name: Text | None = None
    state: Text | None = None
    locality: Text | None = None
    valid_days: Annotated[int, Field(ge=1, le=36500)] = 3650
    max_path_length: Annotated[int, Field(ge=0, le=8)] = 0
    key_usage: Annotated[str, Field(max_length=256)] = "keyCertSign,cRLSign"
    parent_ca_id: Annotated[int, Field(ge=1)] | None = None  # an intermediate under this CA


class CaUpdate(BaseModel):
    name: Annotated[str, Field(max_length=128)] | None = None
    status: Literal["ACTIVE", "DISABLED"] | None = None


class LeafBody(BaseModel):
    device_id: Annotated[int, Field(ge=1)] | None = None
    domain_name: Name
    sans: Annotated[list[Name], Field(max_length=100)] = []
    validity_seconds: Annotated[int, Field(ge=60, le=10 * 366 * 86400)] = 90 * 86400
    key_algorithm: Annotated[str, Field(max_length=16)] | None = None
    key_size: Annotated[int, Field(ge=1, le=16384)] | None = None
    curve_name: Text | None = None
    policy: Annotated[str, Field(max_length=32)] | None = None
    auto_renew: bool = False


class CaView(BaseModel):
    id: int
    user_id: int
    name: str
    algorithm: str
    key_size: int | None = None
    curve_name: str | None = None
    country: str | None = None
    organization: str | None = None
    organizational_unit: str | None = None
    common_name: str | None = None
    state: str | None = None
    locality: str | None = None
    valid_days: int | None = None
    max_path_length: int
    key_usage: str
    serial_number: str
    enc_scheme: int
    ca_certificate_pem: str
    status: str
    parent_ca_id: int | None = None
    not_before: int | None = None  # ms
    not_after: int | None = None  # ms
    issued_cert_count: int
    last_used_at: int | None = None  # ms
    created_at: int  # ms
    updated_at: int  # ms


class LeafView(BaseModel):
    id: int
    domain_name: str
    sans: list[str]
    self_signed: bool
    verified: bool
    serial_number: str | None = None
    not_before: int  # epoch seconds
    not_after: int
    ca_id: int
    device_id: int | None = None
    certificate_pem: str | None = None
    chain_pem: str | None = None
