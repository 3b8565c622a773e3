"""The two account routes the console calls on every page load. Accounts (OAuth) are not part of this service:
no provider is configured and no device is ever bound to an account."""

from __future__ import annotations

from pydantic import BaseModel


class OAuthProvider(BaseModel):
    """A configured sign-in provider, as the original lists them (none here)."""

    id: str
    name: str
    displayName: str
    icon: str | None
    color: str | None
    brandColor: str | None
    textColor: str | None
    description: str | None
    order: int
    authUrl: str
    website: str | None


class OAuthProviders(BaseModel):
    success: bool
    data: list[OAuthProvider]


class DeviceAccount(BaseModel):
    success: bool
    data: None  # the account a device is bound to; never one here
