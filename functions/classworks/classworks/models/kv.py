"""Token-scoped KV: values are any JSON object or array, stored as sent; listings, metadata, batch import."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

# -- requests (read by the routes themselves, as sent: documented here) --------------------------------------

KvValue = dict[str, Any] | list[Any]
"""A stored value: a JSON object or array (an empty body, null or "" store {})."""

BatchImport = Annotated[dict[str, Any], Field(min_length=1)]
"""`{"key": value, ...}`: any JSON value per key, at least one key."""


# -- answers -----------------------------------------------------------------------------------------------


class KvWritten(BaseModel):
    deviceId: int
    key: str
    created: bool
    updatedAt: str


class KvMetadata(BaseModel):
    creatorIp: str
    createdAt: str | None
    updatedAt: str | None


class KvEntry(BaseModel):
    deviceId: int
    key: str
    metadata: KvMetadata


class KvItems(BaseModel):
    items: list[KvEntry]
    total_rows: int
    load_more: str | None = None  # the next page's relative URL, when there is one


class KvPage(BaseModel):
    limit: int
    skip: int
    count: int


class KvKeys(BaseModel):
    keys: list[str]
    total_rows: int
    current_page: KvPage
    load_more: str | None = None


class KvDevice(BaseModel):
    id: int
    name: str | None
    createdAt: str
    updatedAt: str
    uuid: str


class KvInfo(BaseModel):
    device: KvDevice
    hasAccount: bool


class KvTokenDevice(BaseModel):
    id: int
    uuid: str
    name: str | None
    namespace: str


class KvToken(BaseModel):
    success: bool
    token: str
    appId: int | str  # as given when the token was issued (a catalogue id, or an opaque v3 app id)
    deviceType: str | None
    isReadOnly: bool
    note: str | None
    installedAt: str
    updatedAt: str
    device: KvTokenDevice


class BatchResult(BaseModel):
    key: str
    isNew: bool


class BatchError(BaseModel):
    key: str
    error: str


class BatchSummary(BaseModel):
    total: int
    successful: int
    failed: int


class BatchData(BaseModel):
    deviceId: int
    summary: BatchSummary
    results: list[BatchResult]
    errors: list[BatchError] | None = None  # only when some keys failed


class BatchImported(BaseModel):
    code: int
    message: str
    data: BatchData
