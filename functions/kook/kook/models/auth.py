"""Request and response bodies of the auth routes (pydantic).
Secrets are plain `str` and never echoed in errors."""

from __future__ import annotations

from pydantic import BaseModel, Field

from kook.models.common import Lenient


class PasswordIn(Lenient):
    password: str = Field(min_length=1, max_length=1024)
    remember: bool = True


class TokenIn(Lenient):
    token: str = Field(min_length=1, max_length=1024)


class ChangePasswordIn(Lenient):
    old_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


class SendCodeIn(Lenient):
    email: str | None = Field(default=None, max_length=254)


class VerifyCodeIn(Lenient):
    email: str | None = Field(default=None, max_length=254)
    code: str = Field(min_length=4, max_length=12)


class ResetPasswordIn(Lenient):
    email: str | None = Field(default=None, max_length=254)
    code: str | None = Field(default=None, max_length=12)
    verification_code: str | None = Field(default=None, max_length=12)
    new_password: str = Field(min_length=1, max_length=1024)

    @property
    def the_code(self) -> str:
        return (self.code or self.verification_code or "").strip()


# ------------------------------------------------------------------------------------------------ answers

class Login(BaseModel):
    token: str
    expires_in: int  # seconds: 2592000 (30 days), 86400 with remember=false


class OriginalLogin(Login):
    """`/auth/login` answers the original's shape too."""

    message: str
    remember: bool


class SetupDone(Login):
    message: str


class TokenCheck(BaseModel):
    valid: bool
    token_type: str  # token | static
    expires_in: int | None = None  # a login token's remaining seconds (the static token has none)


class PasswordStatus(BaseModel):
    password_set: bool


class EmailConfig(BaseModel):
    configured: bool
    email: str  # the admin address, masked


class CodeSent(BaseModel):
    message: str
    expires_in: int


class CodeChecked(BaseModel):
    message: str
    valid: bool
