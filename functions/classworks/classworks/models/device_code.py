"""The device-code flow: a code, a token bound to it, picked up once."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from classworks.models.documented import NON_BLANK, required, text

# -- requests ----------------------------------------------------------------------------------------------


class BindRequest(BaseModel):
    """A device code and the app token to bind to it (an unknown code or token is a 400, as in the original)."""

    model_config = required("device_code", "token")

    device_code: str | None = text(pattern=NON_BLANK)
    token: str | None = text(minLength=1)


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
    """The original's debug view: a live code says whether a token is bound and how long it has left."""

    device_code: str
    exists: bool
    message: str | None = None  # a code that does not exist (or has expired)
    has_token: bool | None = None  # the rest: a live code only
    expires_in: int | None = None  # seconds
    created_at: int | None = None  # epoch milliseconds
