"""The apps group: the apps.md catalogue, installs and a device's apps; the aliases of other generations; and
the operator's description of an app (python -m classworks.seed)."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from classworks.models.documented import MAX_ID, NON_BLANK, required, text

# -- requests ----------------------------------------------------------------------------------------------


class NoteBody(BaseModel):
    note: str | None = text(maxLength=MAX_ID)


class AuthorizeBody(BaseModel):
    model_config = required("deviceUuid")

    deviceUuid: str | None = text(pattern=NON_BLANK, maxLength=MAX_ID)
    password: str | None = None  # or x-device-password, ?password, ?currentPassword
    note: str | None = text(maxLength=MAX_ID)


_PREFIX = r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$"


class AppSpec(BaseModel):
    """An app as an operator describes it; `id` picks the app to update (else the permissionPrefix does)."""

    model_config = ConfigDict(extra="forbid")

    id: int | None = Field(default=None, ge=1, le=9_999_999_999)
    name: str = Field(min_length=1, max_length=191)
    description: str = Field(default="", max_length=2000)
    developerName: str = Field(default="", max_length=191)
    permissionPrefix: str = Field(min_length=1, max_length=100, pattern=_PREFIX)
    specialPermissions: list[str] = Field(default_factory=list, max_length=50)
    permissionKey: list[str] = Field(default_factory=list, max_length=50)
    version: str = Field(default="1.0.0", min_length=1, max_length=50)

    @field_validator("specialPermissions")
    @classmethod
    def _grants_are_key_prefixes(cls, grants: list[str]) -> list[str]:
        for grant in grants:
            if not re.fullmatch(_PREFIX, grant) or len(grant) > 191:
                raise ValueError(f"special permission {grant!r} must be a dotted key prefix")
        return grants


# -- answers -----------------------------------------------------------------------------------------------


class App(BaseModel):
    id: int
    name: str
    description: str
    developerName: str
    permissionPrefix: str
    specialPermissions: list[str]
    permissionKey: list[str]
    version: str
    createdAt: str
    updatedAt: str


class AppList(BaseModel):
    apps: list[App]
    total: int
    limit: int
    skip: int


class AppsWithPermissionKey(BaseModel):
    apps: list[App]


AppId = int | str
"""A catalogue app's integer id, or an opaque v3 app id (a string, e.g. the Classworks board's 32 hex digits)."""


class AppBrief(BaseModel):
    """An app as a token or install shows it (its fields are null if the app left the catalogue, or for an
    opaque v3 app id, which names no app of the catalogue)."""

    id: AppId
    name: str | None
    description: str | None
    developerName: str | None


class InstalledAppBrief(AppBrief):
    permissionPrefix: str | None


class TokenPermissions(BaseModel):
    """A v3 token (opaque appId, permissionPrefix null) may use every key of its device."""

    appId: AppId
    permissionPrefix: str | None
    specialPermissions: list[str]
    permissionKey: list[str]
    app: AppBrief


class Installed(BaseModel):
    """apps.md install: the token, the same one on every call for an app and device."""

    token: str
    appId: int
    permissionPrefix: str
    permissionKey: list[str]
    version: str
    authorizedAt: str


class Uninstalled(BaseModel):
    message: str
    appId: int
    uninstalledAt: str


class DeviceInstall(BaseModel):
    """One token of the device: a catalogue app's install (its snapshot), or a v3 app's token (appId a string,
    no prefix nor version: it may use every key of the device)."""

    id: str
    appId: AppId
    token: str
    permissionPrefix: str | None
    specialPermissions: list[str]
    permissionKey: list[str]
    version: str | None
    installedAt: str
    updatedAt: str
    app: InstalledAppBrief


class DeviceInstalls(BaseModel):
    installs: list[DeviceInstall]
    total: int
    limit: int
    skip: int


class DeviceAppToken(BaseModel):
    appId: AppId
    token: str
    note: str | None
    installedAt: str


class DeviceAppTokens(BaseModel):
    """v3 `GET /apps/devices/:uuid/apps`."""

    success: bool
    apps: list[DeviceAppToken]


class NewToken(BaseModel):
    """v3 install: a new token on every call."""

    id: str
    appId: AppId
    token: str
    note: str | None
    name: str | None
    installedAt: str


class Authorized(Installed):
    """v2 authorize: the apps.md install answer with the device and the install's note."""

    deviceUuid: str
    note: str | None


class Installation(BaseModel):
    id: str
    appId: AppId
    kind: str | None
    deviceUuid: str
    deviceName: str | None
    note: str | None
    deviceType: str | None
    isReadOnly: bool
    version: str | None
    installedAt: str
    updatedAt: str | None


class Installations(BaseModel):
    installations: list[Installation]
    total: int
    limit: int
    skip: int
