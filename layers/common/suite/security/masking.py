"""Masking for display and redaction before logging: secrets must never reach logs, responses or exports."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

MASK = "****"


def mask_secret(value: str | None, keep: int = 4) -> str:
    """``abcd****wxyz``. The ends are shown only when together they are at most half of the value; otherwise ``****``.

    The mask has a fixed width, so it does not reveal the length either.
    """
    if not value or keep <= 0 or len(value) < 4 * keep:
        return MASK
    return f"{value[:keep]}{MASK}{value[-keep:]}"


def redact(mapping: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """A copy of ``mapping`` with every key named in ``fields`` (any case, at any depth) replaced by ``****``.

    Dicts, lists and tuples (returned as lists, as JSON would) are walked; the input is never modified.
    """
    names = frozenset(f.lower() for f in ([fields] if isinstance(fields, str) else fields))
    return _redact(mapping, names)


def _redact(value: Any, names: frozenset[str]) -> Any:
    if isinstance(value, Mapping):
        return {
            key: MASK if isinstance(key, str) and key.lower() in names else _redact(item, names)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_redact(item, names) for item in value]
    return value
