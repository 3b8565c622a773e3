"""The device-code flow: a code, a token bound to it, picked up once."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

# -- requests ----------------------------------------------------------------------------------------------


class BindRequest(BaseModel):
    device_code: str | None = None
    token: str | None = None


# -- answers -----------------------------------------------------------------------------------------------


class DeviceCode(BaseModel):
    device_code: str
    expires_in: int
    message: str


class Bound(BaseModel):
    success: bool
    message: str


class PickUp(BaseModel):
    """pending (with expires_in), success (with the token, once) or expired."""

    status: Literal["pending", "success", "expired"]
    token: str | None = None
    message: str | None = None
    expires_in: int | None = None


class CodeStatus(BaseModel):
    device_code: str
    exists: bool
    message: str | None = None
    has_token: bool | None = None
    expires_in: int | None = None
    created_at: int | None = None
