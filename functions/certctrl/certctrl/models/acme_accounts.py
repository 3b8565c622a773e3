"""Bodies of the ACME accounts group."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

Short = Annotated[str, Field(max_length=64)]


class AcmeAccountBody(BaseModel):
    name: Annotated[str, Field(max_length=128)] = ""
    email: Annotated[str, Field(max_length=254)] | None = None
    provider: Annotated[str, Field(min_length=1, max_length=32)]  # letsencrypt | zerossl | SELF_CA | acme | ...
    directory_url: Annotated[str, Field(max_length=2048)] | None = None
    ca_id: Annotated[int, Field(ge=1)] | None = None  # SELF_CA
    eab_kid: Annotated[str, Field(max_length=512)] | None = None
    eab_hmac_key: Annotated[str, Field(max_length=512)] | None = None
    leaf_key_algorithm: Annotated[str, Field(max_length=16)] | None = None
    leaf_rsa_bits: Annotated[int, Field(ge=1, le=16384)] | None = None
    leaf_ec_curve: Short | None = None
    cert_valid_seconds: Annotated[int, Field(ge=3600, le=10 * 366 * 86400)] | None = None


class AcmeAccountUpdate(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=128)] | None = None
    email: Annotated[str, Field(max_length=254)] | None = None
    provider: Annotated[str, Field(min_length=1, max_length=32)] | None = None
    directory_url: Annotated[str, Field(max_length=2048)] | None = None
    ca_id: Annotated[int, Field(ge=1)] | None = None
    kid: Annotated[str, Field(max_length=512)] | None = None
    eab_kid: Annotated[str, Field(max_length=512)] | None = None
    eab_hmac_key: Annotated[str, Field(max_length=512)] | None = None
    leaf_key_algorithm: Annotated[str, Field(max_length=16)] | None = None
    leaf_rsa_bits: Annotated[int, Field(ge=1, le=16384)] | None = None
    leaf_ec_curve: Short | None = None
    cert_valid_seconds: Annotated[int, Field(ge=3600, le=10 * 366 * 86400)] | None = None


class AcmeAccountView(BaseModel):
    id: int
    user_id: int
    name: str
    email: str | None = None
    provider: str
    directory_url: str | None = None
    ca_id: int | None = None
    kid: str | None = None
    status: str
    eab_kid: str | None = None
    leaf_key_algorithm: str | None = None
    leaf_rsa_bits: int | None = None
    leaf_ec_curve: str | None = None
    cert_valid_seconds: int | None = None
    renewal_info: bool
    created_at: int  # ms
    updated_at: int  # ms
