"""The tokens group: a token by namespace login, and one token managed with the token itself."""

from __future__ import annotations

from pydantic import BaseModel, Field

from classworks.models.documented import MAX_ID, NON_BLANK, required, schema, text

# -- requests ----------------------------------------------------------------------------------------------


class TokenRequest(BaseModel):
    model_config = required("namespace", "appId")

    namespace: str | None = text(pattern=NON_BLANK)
    password: str | None = None
    # a catalogue app's id (integer, or its digits), or any other string: an opaque v3 app id (the board's own)
    appId: int | str | None = Field(default=None, json_schema_extra=schema(
        anyOf=[{"type": "integer"}, {"type": "string", "pattern": NON_BLANK, "maxLength": MAX_ID}]))


class NoteRequest(BaseModel):
    note: str | None = text(maxLength=MAX_ID)  # empty or absent: the note is cleared


MAX_NAME = 64


class NameRequest(BaseModel):
    model_config = required("name")

    name: str | None = text(pattern=NON_BLANK, maxLength=MAX_NAME)


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
    appId: int | str  # as given when the token was issued
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
