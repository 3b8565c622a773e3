"""Shapes every group shares: the page of the envelope, the loose body base, small answers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class Body(BaseModel):
    """A request body: unknown fields are ignored (the admin UI sends form-only fields such as `addType`)."""

    model_config = ConfigDict(extra="ignore")


class View(BaseModel):
    model_config = ConfigDict(extra="allow")


class Page[T](BaseModel):
    items: list[T]
    total: int
    page: int
    page_size: int


class Items[T](BaseModel):
    items: list[T]
    total: int


class Message(BaseModel):
    message: str


class StatusView(BaseModel):
    status: str


class Deleted(BaseModel):
    message: str = "deleted"


JsonObject = dict[str, Any]
