"""Devices: registration, public profile, rename, and the device password."""

from __future__ import annotations

from pydantic import BaseModel

# -- requests ----------------------------------------------------------------------------------------------


class Registration(BaseModel):
    uuid: str | None = None
    deviceName: str | None = None
    namespace: str | None = None


class Rename(BaseModel):
    name: str | None = None


class PasswordChange(BaseModel):
    newPassword: str | None = None
    passwordHint: str | None = None
    currentPassword: str | None = None


class PasswordCheck(BaseModel):
    password: str | None = None


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


class PasswordValidity(BaseModel):
    valid: bool
