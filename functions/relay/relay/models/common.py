"""Shapes every group shares: the loose body base and small answers."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


class Body(BaseModel):
    """A request body: unknown fields are ignored (the admin UI sends form-only fields such as `addType`)."""

    model_config = ConfigDict(extra="ignore")


class Message(BaseModel):
    message: str


class StatusView(BaseModel):
    status: str


def _rounded(value: float) -> float:
    """Money and rates to 10 decimals: DynamoDB numbers hold no magnitude below 1e-130 (and none is meant)."""
    return round(value, 10)


def amount(maximum: float) -> object:
    """A non-negative float up to `maximum`, rounded to 10 decimals (prices, quotas, rates, budgets)."""
    return Annotated[float, Field(ge=0, le=maximum), AfterValidator(_rounded)]
