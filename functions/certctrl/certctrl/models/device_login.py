"""Bodies of device login (`POST /auth/device`) and registration, and the device view they answer.

The agent sends numbers where the original expects them (`interval`, `expires_in`, `user_id`) but its scripts
may send `user_id` as a string (`tonumber? // $uid`): integers are read in pydantic's lax mode, so "42" is 42.
Unknown fields are ignored (the agent's `device_poll` may carry a `device_id`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

Text = Annotated[str, Field(max_length=256)]


class DeviceStart(BaseModel):
    action: Literal["device_start"]
    scopes: Annotated[list[Annotated[str, Field(min_length=1, max_length=64)]], Field(max_length=20)] = []
    interval: Annotated[int, Field(ge=1, le=300)] = 5
    expires_in: Annotated[int, Field(ge=30, le=3600)] = 900


class DeviceVerify(BaseModel):
    action: Literal["device_verify"]
    user_code: Annotated[str, Field(min_length=1, max_length=16)]
    approve: bool = True


class DevicePoll(BaseModel):
    action: Literal["device_poll"]
    device_code: Annotated[str, Field(min_length=1, max_length=128)]


DeviceAction = Annotated[DeviceStart | DeviceVerify | DevicePoll, Field(discriminator="action")]


class DeviceMetadata(BaseModel):
    """What every registration sends about the device (the agent's payload)."""

    device_public_id: Annotated[str, Field(min_length=1, max_length=64)]
    dev_pk: Annotated[str, Field(min_length=1, max_length=128)]
    platform: Text = ""
    model: Text = ""
    app_version: Annotated[str, Field(max_length=64)] = ""
    name: Text = ""
    ip: Annotated[str, Field(max_length=64)] = ""
    user_agent: Text = ""
    push_token: Annotated[str, Field(max_length=512)] | None = None


class Registration(DeviceMetadata):
    """`POST /apiv1/device/registration`: with the registration code of `device_poll`, or (a retry right after a
    registration) with the refresh token it returned."""

    user_id: Annotated[int, Field(ge=1)]
    registration_code: Annotated[str, Field(min_length=1, max_length=128)] | None = None
    refresh_token: Annotated[str, Field(min_length=1, max_length=512)] | None = None


class StartView(BaseModel):
    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str
    interval: int
    expires_in: int


class PollView(BaseModel):
    """`status`: authorization_pending | slow_down | access_denied | expired | ready. `ready` adds the single-use
    `registration_code`, `user_id` and `registration_code_ttl` (seconds); no token is issued here."""

    status: str
    interval: int | None = None
    registration_code: str | None = None
    user_id: int | None = None
    registration_code_ttl: int | None = None


class VerifyView(BaseModel):
    status: Literal["approved", "denied"]


class DeviceView(BaseModel):
    id: int
    user_id: int
    device_public_id: str
    name: str
    platform: str
    model: str
    app_version: str
    agent_version: str | None = None
    status: str
    device_keyfp_b64: str  # base64 BLAKE2b-256 of dev_pk
    registered_via: str
    created_at: int  # ms
    updated_at: int  # ms
    last_seen_at: int | None = None  # ms


class SessionView(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"]
    expires_in: int


class RegisteredView(BaseModel):
    device: DeviceView
    session: SessionView
