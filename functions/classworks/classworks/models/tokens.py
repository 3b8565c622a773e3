"""The tokens group: a token by namespace login, and one token managed with the token itself."""

from __future__ import annotations

from pydantic import BaseModel

# -- requests ----------------------------------------------------------------------------------------------


class TokenRequest(BaseModel):
    namespace: str | None = None
    password: str | None = None
    appId: int | str | None = None


class NoteRequest(BaseModel):
    note: str | None = None


class NameRequest(BaseModel):
    name: str | None = None


# -- answers -----------------------------------------------------------------------------------------------


class IssuedToken(BaseModel):
    success: bool
    token: str
    deviceType: str | None
    isReadOnly: bool
    installedAt: str


class TokenNote(BaseModel):
    success: bool
    token: str
    note: str | None
    updatedAt: str


class DeviceToken(BaseModel):
    id: str
    token: str
    appId: int
    installedAt: str
    note: str | None
    name: str | None


class DeviceTokens(BaseModel):
    success: bool
    tokens: list[DeviceToken]
    deviceUuid: str


class NamedToken(BaseModel):
    success: bool
    token: str
    deviceType: str | None
    name: str
    note: str
    updatedAt: str
