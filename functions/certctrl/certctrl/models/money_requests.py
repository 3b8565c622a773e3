"""Request bodies the money wiring adds to the engines' (models/money.py): a plan's update, where the plan id is
the path's and the version read may be sent back (409 when the plan moved since)."""

from __future__ import annotations

from pydantic import Field

from certctrl.models.money import PlanFields


class PlanUpdate(PlanFields):
    version: int | None = Field(default=None, ge=1, description="the version read; 409 when the plan moved since")
