"""What the admin routes answer (the `data` of `{success, data}`)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ccjk.models.common import View
from ccjk.models.market_views import TemplateVersion, TemplateView


class CatalogCounts(View):
    total: int
    skill: int
    mcp: int
    agent: int
    hook: int


class Stats(View):
    users: int
    devices: int
    notifications: int = Field(description="notifications created (a redelivered stream batch may count one twice)")
    installs: int
    downloads: int
    ratings: int
    catalog: CatalogCounts
    providers: int


class AdminUser(View):
    id: str
    email: str
    name: str
    tier: str
    createdAt: str | None


class AdminDevice(View):
    id: str
    name: str
    type: str | None
    platform: str | None
    hostname: str | None
    version: str | None
    userId: str | None
    createdAt: str | None
    lastSeenAt: str | None
    channels: list[str]


class UserDeleted(View):
    id: str
    deleted: bool
    devicesRemoved: int


class ItemDeleted(View):
    id: str
    deleted: bool


class RatingDeleted(View):
    id: str
    itemId: str
    deleted: bool


class AdminItem(TemplateView):
    content: str | None
    revision: int
    versions: list[TemplateVersion]
    trigger: str | None
    aliases: list[str]
    supported_agents: list[str]
    provider: str
    stars: int
    created_by: str | None


class Flags(View):
    flags: dict[str, Any]
    defaults: dict[str, Any]
    overrides: dict[str, Any]
    revision: int
    updatedAt: str | None
    updatedBy: str | None
