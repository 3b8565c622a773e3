"""Users and binding: register, login, bind codes, and what the auth and bind routes answer."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ccjk.models.common import Body, View
from ccjk.models.devices import ChannelName, DeviceType


class RegisterUser(Body):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=8, max_length=128)
    name: str | None = Field(None, max_length=100)


class Login(Body):
    email: str = Field(min_length=3, max_length=254)
    password: str | None = Field(None, max_length=1024, description="Without it, a sign-in code is mailed instead")


class BindDeviceInfo(Body):
    """The typed client's `device` ({name, platform, hostname, version}) or CCJKCloudClient's `deviceInfo`
    ({name, platform, osVersion, arch, username, machineId}: `username` is never read)."""

    name: str = Field("My device", min_length=1, max_length=100)
    platform: str | None = Field(None, max_length=64)
    hostname: str | None = Field(None, max_length=255)
    version: str | None = Field(None, max_length=64)
    type: DeviceType | None = None
    osVersion: str | None = Field(None, max_length=64)
    arch: str | None = Field(None, max_length=32)
    machineId: str | None = Field(None, max_length=128)


class UseBindCode(Body):
    code: str = Field(min_length=1, max_length=16)
    device: BindDeviceInfo | None = None
    deviceInfo: BindDeviceInfo | None = Field(None, description="CCJKCloudClient's name for `device`")

    @property
    def info(self) -> BindDeviceInfo:
        return self.device or self.deviceInfo or BindDeviceInfo()


# ------------------------------------------------------------------------------------------------ responses

class UserView(View):
    id: str
    email: str
    name: str


class RegisteredUser(View):
    user: UserView


class Session(View):
    token: str = Field(description="A JWT: send it as Authorization: Bearer <token>")
    expiresAt: str
    user: UserView


class Me(UserView):
    tier: str = Field(description="free for new accounts")
    createdAt: str
    user: UserView


class BindCodeIssued(View):
    code: str = Field(description="6 characters of ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
    expiresAt: str
    expiresIn: int = Field(description="seconds (300)")


class DeviceBound(View):
    deviceId: str
    deviceToken: str = Field(description="The device's new token (`dt_…`)")
    token: str = Field(description="The same token (the typed client's name)")
    userId: str
    message: str


class BoundDevice(View):
    id: str
    name: str
    platform: str | None


class BindStatus(View):
    status: Literal["pending", "expired", "bound"]
    expiresAt: str | None = Field(None, description="pending and expired codes")
    boundAt: str | None = Field(None, description="bound codes")
    device: BoundDevice | None = Field(None, description="bound codes: the device, null once it was removed")


class ChannelSummary(View):
    type: ChannelName
    enabled: bool
    configured: bool


class UserDevice(View):
    id: str
    deviceId: str
    name: str
    type: DeviceType | None
    platform: str | None
    hostname: str | None
    version: str | None
    createdAt: str
    lastSeenAt: str
    channels: list[ChannelSummary]
    status: Literal["online", "busy", "offline"] = Field(
        description="What the device's ccjk daemon last reported, offline after 90 s without a heartbeat")


class UserDevices(View):
    """`pagination: {page, limit, total, totalPages}` beside `data`."""

    devices: list[UserDevice]


# ------------------------------------------------------------------------------------------------ e-mail sign-in

class VerifyCode(Body):
    email: str = Field(min_length=3, max_length=254)
    code: str = Field(min_length=1, max_length=16, description="The 6-digit code from the mail")


class CodeSent(View):
    """`POST /auth/login` without a password: a code was mailed (the same answer for every address)."""

    sent: bool
    expiresIn: int = Field(description="seconds the code stays valid (600)")
