"""Response bodies of KOOK's webhook (pydantic): both are sent as is."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class Challenge(BaseModel):
    """The answer to KOOK's `WEBHOOK_CHALLENGE`: exactly `{"challenge": "…"}`."""

    challenge: str


class Received(BaseModel):
    success: Literal[True]
    result: str  # queued | duplicate | ignored


WebhookAnswer = Challenge | Received
