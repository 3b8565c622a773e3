"""Request bodies of the bots routes (pydantic). Secrets are plain `str` and never echoed in errors."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from kook.models.common import Lenient


class BotIn(Lenient):
    platform: Literal["discord", "telegram", "feishu"]
    name: str = Field(min_length=1, max_length=100)
    config: dict[str, Any] = Field(default_factory=dict)
