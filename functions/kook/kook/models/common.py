"""Shared pieces of the request models: lenient parsing, KOOK ids as text, 0/1 flags."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict


def _as_text(value: Any) -> Any:
    # KOOK ids are digit strings that clients sometimes send as numbers.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _as_flag(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    return value


Text = Annotated[str, BeforeValidator(_as_text)]
Flag = Annotated[Literal[0, 1], BeforeValidator(_as_flag)]


class Lenient(BaseModel):
    """Unknown fields are ignored (and never stored)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class Message(BaseModel):
    message: str
