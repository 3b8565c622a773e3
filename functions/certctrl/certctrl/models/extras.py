"""Bodies of the feature-flagged "other" routes."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field


class TextRequest(BaseModel):
    text: Annotated[str, Field(min_length=1, max_length=65536)]
    ttl_seconds: Annotated[int, Field(ge=60, le=30 * 86400)] = 86400


class TextStored(BaseModel):
    uuid: str
    url: str
    expires_at: int  # epoch seconds
    bytes: int


class Iroiro(BaseModel):
    server_time: int  # ms
    api: dict[str, str]
    features: list[str]
    user_id: int
    notification_events: list[dict[str, Any]]
    webauthn: dict[str, Any]
