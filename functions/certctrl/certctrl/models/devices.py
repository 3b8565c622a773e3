"""Bodies of device login (`POST /auth/device`), registration and the device routes.

The agent sends numbers where the original expects them (`interval`, `expires_in`, `user_id`) but its scripts
may send `user_id` as a string (`tonumber? // $uid`): integers are read in pydantic's lax mode, so "42" is 42.
Unknown fields are ignored (the agent's `device_poll` may carry a `device_id`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

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


# ------------------------------------------------------------------------------------------ install config

class InstallConfigBody(BaseModel):
    installs: Annotated[list[dict[str, Any]], Field(max_length=200)]
    after_update_script: Annotated[str, Field(max_length=65536)] | None = None
    change_note: Annotated[str, Field(max_length=256)] | None = None


class RestoreBody(BaseModel):
    version: Annotated[int, Field(ge=1)]
    change_note: Annotated[str, Field(max_length=256)] | None = None


class InstallConfigView(BaseModel):
    id: int
    user_device_id: int
    version: int
    installs: list[dict[str, Any]]
    installs_hash: str
    after_update_script: str | None = None
    updated_by: str | None = None
    created_at: int  # epoch seconds
    updated_at: int  # epoch seconds


class InstallConfigHistoryView(BaseModel):
    version: int
    installs: list[dict[str, Any]]
    installs_hash: str
    after_update_script: str | None = None
    change_note: str | None = None
    updated_by: str | None = None
    created_at: int  # epoch seconds


ConfigFileName = Literal["application", "websocket"]


class ConfigFileBody(BaseModel):
    content: dict[str, Any]


class NewConfigFile(ConfigFileBody):
    file: ConfigFileName


class ConfigFileView(BaseModel):
    file: str
    content: dict[str, Any]
    version: int
    updated_at: int  # ms


# ------------------------------------------------------------------------------------------------- feed

class SignalView(BaseModel):
    type: str
    ts_ms: int
    ref: dict[str, Any]


class UpdatesView(BaseModel):
    cursor: str
    signals: list[SignalView]


class NotifyEvent(BaseModel):
    type: Annotated[str, Field(min_length=1, max_length=64)]
    agent: Annotated[str, Field(max_length=64)] | None = None
    version: Annotated[str, Field(max_length=64)] | None = None
    device_public_id: Annotated[str, Field(max_length=64)] | None = None


class NotifyBody(BaseModel):
    schema_: Annotated[str, Field(alias="schema", max_length=64)] = "certctrl.device.notify.v1"
    events: Annotated[list[NotifyEvent], Field(max_length=50)] = []


# --------------------------------------------------------------------------------- certificates and CAs

class AssignCertificate(BaseModel):
    cert_id: Annotated[int, Field(ge=1)]


class AssignCa(BaseModel):
    ca_id: Annotated[int, Field(ge=1)]


class DeviceCertificateView(BaseModel):
    cert_id: int
    domain_name: str
    sans: list[str]
    status: str
    serial_number: str | None = None
    not_before: int | None = None
    not_after: int | None = None
    key_dist_policy: str
    assigned_at: int  # ms


class CertificateMaterialView(BaseModel):
    id: int
    cert_id: int
    domain_name: str
    sans: list[str]
    serial_number: str | None = None
    not_after: int | None = None
    certificate_pem: str
    chain_pem: str | None = None
    fullchain_pem: str


class CaBundleView(BaseModel):
    id: int
    name: str
    serial_number: str
    status: str
    algorithm: str
    key_size: int | None = None
    curve_name: str | None = None
    valid_days: int | None = None
    ca_certificate_pem: str
    ca_certificate_der_b64: str | None = None


class DeviceCaView(CaBundleView):
    assigned_at: int  # ms
