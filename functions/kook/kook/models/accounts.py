"""Request bodies of the accounts routes (pydantic). Secrets are plain `str` and never echoed in errors."""

from __future__ import annotations

from pydantic import Field

from kook.models.common import Lenient


class AccountIn(Lenient):
    email: str = Field(min_length=3, max_length=254)
    cookie: str | None = Field(default=None, max_length=32 * 1024)
    password: str | None = Field(default=None, max_length=256)
    bot_token: str | None = Field(default=None, max_length=256)
    verify_token: str | None = Field(default=None, max_length=256)
    encrypt_key: str | None = Field(default=None, max_length=256)


class CookieIn(Lenient):
    cookie: str = Field(min_length=1, max_length=32 * 1024)


class CaptchaIn(Lenient):
    code: str = Field(min_length=1, max_length=32)
