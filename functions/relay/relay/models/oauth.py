"""OAuth bodies (the admin UI's names, with the docs' `type` and `cookie`) and answers (handles, never tokens)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, StringConstraints

from relay.models.common import Body

Platform = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class GenerateUrl(Body):
    platform: Platform = Field(validation_alias=AliasChoices("platform", "type"))
    proxy: dict[str, Any] | None = None


class Exchange(Body):
    platform: Platform = Field(validation_alias=AliasChoices("platform", "type"))
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000,
                                           pattern=r"^[\x21-\x7e]+$")]
    session_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    proxy: dict[str, Any] | None = None


class CookieAuth(Body):
    platform: Platform = Field(default="claude", validation_alias=AliasChoices("platform", "type"))
    session_key: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000,
                                                  pattern=r"^[\x21-\x7e]+$")] = Field(
        validation_alias=AliasChoices("session_key", "cookie"))
    proxy: dict[str, Any] | None = None


class AuthUrl(BaseModel):
    auth_url: str
    session_id: str
    state: str
    platform: str
    expires_in: int


class TokenHandle(BaseModel):
    model_config = ConfigDict(extra="allow")

    access_token: str
    refresh_token: str
    token_handle: str
    handle_expires_in: int
    platform: str
