"""Shapes every group shares: the loose body base and small answers."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Body(BaseModel):
    """A request body: unknown fields are ignored (the admin UI sends form-only fields such as `addType`)."""

    model_config = ConfigDict(extra="ignore")


class Message(BaseModel):
    message: str


class StatusView(BaseModel):
    status: str
