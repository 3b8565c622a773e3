"""Request bodies the money wiring adds to the engines' (models/money.py): a plan's update, where the plan id is
the path's and the version read may be sent back (409 when the plan moved since)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from certctrl.models.money import Strict


class PlanUpdate(Strict):
    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=2000)
    prices: dict[str, int] = Field(default_factory=dict)
    period_days: int = Field(default=30, ge=1, le=3660)
    features: dict[str, Any] = Field(default_factory=dict)
    credit_limits: dict[str, int] = Field(default_factory=dict)
    active: bool = True
    version: int | None = Field(default=None, ge=1, description="the version read; 409 when the plan moved since")
