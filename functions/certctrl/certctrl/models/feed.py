"""Bodies of the device's side of the updates feed: the poll's answer and notify."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field


class SignalView(BaseModel):
    type: str
    ts_ms: int
    ref: dict[str, Any]


class UpdatesView(BaseModel):
    cursor: str
    signals: list[SignalView]


class NotifyEvent(BaseModel):
    type: Annotated[str, Field(min_length=1, max_length=64)]
    agent: Annotated[str, Field(max_length=64)] | None = None
    version: Annotated[str, Field(max_length=64)] | None = None
    device_public_id: Annotated[str, Field(max_length=64)] | None = None


class NotifyBody(BaseModel):
    schema_: Annotated[str, Field(alias="schema", max_length=64)] = "certctrl.device.notify.v1"
    events: Annotated[list[NotifyEvent], Field(max_length=50)] = []
