"""GET /api/check."""

from __future__ import annotations

from pydantic import BaseModel


class Health(BaseModel):
    status: str
    message: str
    time: int  # epoch milliseconds
