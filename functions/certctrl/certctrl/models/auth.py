"""Bodies of the auth group: `/auth/general` actions, status, profile, refresh (docs/certctrl.md §2).

Field limits are generous but finite (nothing unbounded is hashed or stored); the password and name rules
themselves live in logic/accounts.py so the messages name the rule that failed.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

Email = Annotated[str, Field(min_length=3, max_length=254)]
Password = Annotated[str, Field(min_length=1, max_length=1024)]
Code = Annotated[str, Field(min_length=1, max_length=32)]


class LoginRequest(BaseModel):
    action: Literal["login"]
    email: Email
    password: Password


class RegisterRequest(BaseModel):
    action: Literal["register"]
    email: Email
    password: Password
    name: Annotated[str, Field(min_length=1, max_length=64)]
    country_of_residence: Annotated[str, Field(max_length=64)] | None = None


class ActivateRequest(BaseModel):
    action: Literal["activate-user"]
    email: Email
    verify_code: Code


class RequestResetRequest(BaseModel):
    action: Literal["request-reset-password"]
    email: Email


class ResetPasswordRequest(BaseModel):
    action: Literal["reset-password"]
    email: Email
    verify_code: Code
    new_password: Password


GeneralAction = Annotated[LoginRequest | RegisterRequest | ActivateRequest | RequestResetRequest
                          | ResetPasswordRequest, Field(discriminator="action")]


class RefreshRequest(BaseModel):
    refresh_token: Annotated[str, Field(min_length=1, max_length=512)]


# ------------------------------------------------------------------------------------------------ answers

class LoginUser(BaseModel):
    id: int
    email: str
    name: str
    roles: list[str]


class LoginView(BaseModel):
    user: LoginUser
    to: str = "/"


class StatusView(BaseModel):
    """`{status}`: waiting_for_verification, activation_successful, reset_code_sent, password_reset_success,
    logged_out."""

    status: str


class Availability(BaseModel):
    name: str
    available: bool


class WebAuthnState(BaseModel):
    credentials: int = 0
    step_up: bool = False  # stepped up with a security key within STEP_UP_SECONDS
    step_up_at: int | None = None  # epoch seconds
    step_up_expires_at: int | None = None


class SessionStatus(BaseModel):
    user: LoginUser
    amr: list[str]
    acr: str
    auth_time: int
    mfa: bool
    webauthn: WebAuthnState


class SignedIn(BaseModel):
    data: SessionStatus


class NotAnErrorInner(BaseModel):
    code: Literal[999999]
    what: str


class SignedOut(BaseModel):
    error: NotAnErrorInner


class ProfileUser(LoginUser):
    state: str
    country_of_residence: str | None = None
    created_at: int  # ms


class Counts(BaseModel):
    count: int


class ProfileView(BaseModel):
    user: ProfileUser
    devices: Counts
    apikeys: Counts


class Binding(BaseModel):
    provider: str
    subject: str
    display_name: str | None = None
    bound_at: int  # ms


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105  (the scheme name)
    expires_in: int


class RefreshView(TokenPair):
    """The pair at the top level (the notes) and again under `session` (where the agent's refresher and login
    code read it: `data.session.access_token`)."""

    session: TokenPair
