"""Users and binding: register, login, bind codes."""

from __future__ import annotations

from pydantic import Field

from ccjk.models.common import Body
from ccjk.models.devices import DeviceType


class RegisterUser(Body):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=8, max_length=128)
    name: str | None = Field(None, max_length=100)


class Login(Body):
    email: str = Field(min_length=3, max_length=254)
    password: str | None = Field(None, max_length=1024)


class BindDeviceInfo(Body):
    name: str = Field("My device", min_length=1, max_length=100)
    platform: str | None = Field(None, max_length=64)
    hostname: str | None = Field(None, max_length=255)
    version: str | None = Field(None, max_length=64)
    type: DeviceType | None = None


class UseBindCode(Body):
    code: str = Field(min_length=1, max_length=16)
    device: BindDeviceInfo = Field(default_factory=BindDeviceInfo)
