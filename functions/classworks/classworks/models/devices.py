"""Devices: registration, public profile, rename, and the device password."""

from __future__ import annotations

from pydantic import BaseModel

from classworks.models.documented import MAX_ID, NON_BLANK, required, text

MAX_PASSWORD = 1024  # suite.security.passwords

# -- requests ----------------------------------------------------------------------------------------------


class Registration(BaseModel):
    model_config = required("uuid", "deviceName")

    uuid: str | None = text(pattern=NON_BLANK, maxLength=MAX_ID)
    deviceName: str | None = text(pattern=NON_BLANK, maxLength=MAX_ID)
    namespace: str | None = text(maxLength=MAX_ID)  # default: the uuid


class Rename(BaseModel):
    model_config = required("name")

    name: str | None = text(pattern=NON_BLANK, maxLength=MAX_ID)


class PasswordChange(BaseModel):
    model_config = required("newPassword")

    newPassword: str | None = text(minLength=1, maxLength=MAX_PASSWORD)
    passwordHint: str | None = text(maxLength=MAX_ID)  # absent: the current hint stays
    currentPassword: str | None = None  # required once the device has a password (401 without it)


class ConsolePassword(BaseModel):
    """The console's password body (each field may come in the query instead, which wins: the console's
    setDevicePassword sends the query alone)."""

    model_config = required("newPassword")

    newPassword: str | None = text(minLength=1, maxLength=MAX_PASSWORD)
    passwordHint: str | None = text(maxLength=MAX_ID)
    currentPassword: str | None = text(minLength=1, maxLength=MAX_PASSWORD)


class PasswordCheck(BaseModel):
    model_config = required("password")

    password: str | None = text(minLength=1, maxLength=MAX_PASSWORD)


# -- answers -----------------------------------------------------------------------------------------------


class RegisteredDevice(BaseModel):
    id: int
    uuid: str
    name: str
    namespace: str
    createdAt: str


class Registered(BaseModel):
    success: bool
    device: RegisteredDevice


class DeviceProfile(BaseModel):
    """Public: whether the device has a password, never the hash. Accounts are not in this contract."""

    id: int
    uuid: str
    name: str | None
    hasPassword: bool
    passwordHint: str | None
    createdAt: str
    account: None
    isBoundToAccount: bool
    namespace: str


class RenamedDevice(BaseModel):
    id: int
    uuid: str
    name: str
    hasPassword: bool
    passwordHint: str | None


class Renamed(BaseModel):
    success: bool
    device: RenamedDevice


class PasswordChanged(BaseModel):
    success: bool
    message: str
    deviceUuid: str


class PasswordDone(BaseModel):
    """The console's password routes: `{success, message}`."""

    success: bool
    message: str


class PasswordValidity(BaseModel):
    valid: bool
