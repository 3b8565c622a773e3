"""Bodies of `/auth/webauthn/*` (docs/certctrl.md §8). Credentials are posted in the JSON form browsers and
libraries produce (PublicKeyCredential's toJSON: base64url strings); options are answered in the same form, ready
for `navigator.credentials.create()/get()` (PublicKeyCredentialCreationOptionsJSON / RequestOptionsJSON)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

B64 = Annotated[str, Field(min_length=1, max_length=16384)]
CredentialId = Annotated[str, Field(min_length=16, max_length=1400)]


class RegisterOptionsRequest(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=64)] | None = None  # a label for the key
    authenticator_attachment: Literal["platform", "cross-platform"] | None = None
    resident_key: Literal["required", "preferred", "discouraged"] = "preferred"
    user_verification: Literal["required", "preferred", "discouraged"] = "preferred"


class AttestationResponse(BaseModel):
    model_config = ConfigDict(extra="allow")
    clientDataJSON: B64
    attestationObject: B64
    transports: list[Annotated[str, Field(max_length=32)]] | None = Field(default=None, max_length=8)


class AssertionResponse(BaseModel):
    model_config = ConfigDict(extra="allow")
    clientDataJSON: B64
    authenticatorData: B64
    signature: B64
    userHandle: Annotated[str, Field(max_length=256)] | None = None


class RegistrationCredential(BaseModel):
    """What `navigator.credentials.create()` gave (toJSON), and optionally a label."""

    model_config = ConfigDict(extra="allow")
    id: CredentialId
    rawId: CredentialId
    type: Literal["public-key"]
    response: AttestationResponse
    authenticatorAttachment: Literal["platform", "cross-platform"] | None = None
    clientExtensionResults: dict[str, Any] | None = None
    name: Annotated[str, Field(min_length=1, max_length=64)] | None = None


class AuthenticationCredential(BaseModel):
    """What `navigator.credentials.get()` gave (toJSON)."""

    model_config = ConfigDict(extra="allow")
    id: CredentialId
    rawId: CredentialId
    type: Literal["public-key"]
    response: AssertionResponse
    authenticatorAttachment: Literal["platform", "cross-platform"] | None = None
    clientExtensionResults: dict[str, Any] | None = None


class LoginOptionsRequest(BaseModel):
    email: Annotated[str, Field(min_length=3, max_length=254)] | None = None  # only this account's keys


# ------------------------------------------------------------------------------------------------ answers

class Options(BaseModel):
    """PublicKeyCredentialCreationOptionsJSON or PublicKeyCredentialRequestOptionsJSON (the WebAuthn spec's)."""

    model_config = ConfigDict(extra="allow")
    challenge: str
    timeout: int | None = None


class CredentialView(BaseModel):
    id: str  # the credential id, base64url
    name: str
    aaguid: str
    algorithm: int | None = None
    attestation_format: str
    transports: list[str]
    device_type: str  # single_device | multi_device
    backed_up: bool
    user_verified: bool
    sign_count: int
    created_at: int  # ms
    last_used_at: int | None = None  # ms


class StepUpView(BaseModel):
    amr: list[str]
    acr: str
    step_up_at: int
    step_up_expires_at: int
