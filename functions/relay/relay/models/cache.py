"""The runtime-state ("cache") answers."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from relay.models.common import Body


class CacheLoose(BaseModel):
    model_config = ConfigDict(extra="allow")


class Sessions(CacheLoose):
    sessions: list[dict]
    total: int
    offset: int
    limit: int


class AccountsCache(CacheLoose):
    accounts: list[dict]
    total: int


class UsersCache(CacheLoose):
    users: list[dict]
    total: int


class CacheStats(CacheLoose):
    session_count: int
    unavailable_count: int
    lease_count: int


class ClearBody(Body):
    type: Literal["sessions", "users", "accounts", "unavailable", "all"]


class Cleared(CacheLoose):
    message: str


class CacheConfig(BaseModel):
    session_ttl: int
    session_renewal_ttl: int
    unavailable_ttl: int
    concurrency_ttl: int
    default_concurrency_max: int


Seconds = Annotated[int, Field(ge=1, le=10**7)]


class CacheConfigUpdate(Body):
    session_ttl: Seconds | None = None
    session_renewal_ttl: Seconds | None = None
    unavailable_ttl: Seconds | None = None
    concurrency_ttl: Seconds | None = None
    default_concurrency_max: Annotated[int, Field(ge=1, le=10000)] | None = None
