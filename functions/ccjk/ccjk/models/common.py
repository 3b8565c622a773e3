"""What the request models of every group share: unknown fields are ignored (clients send extras such as
`metadata`), never stored blindly."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


def stripped(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value
