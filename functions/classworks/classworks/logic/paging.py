"""limit/skip query parameters with the service's own (Chinese) messages, and ISO timestamps."""

from __future__ import annotations

import time
from collections.abc import Mapping

from suite.envelopes import utc_timestamp
from suite.errors import BadRequest
from suite.pagination import SkipPagination


def skip_page(query: Mapping[str, str], *, default_limit: int, max_limit: int) -> SkipPagination:
    """limit (clamped to `max_limit`) and skip; a negative or non-numeric value is a 400 naming it."""
    try:
        return SkipPagination.from_query(query, default_limit=default_limit, max_limit=max_limit)
    except BadRequest as exc:
        name = exc.details.get("field", "limit")
        raise BadRequest(f"参数 {name} 必须是非负整数", code="VALIDATION_ERROR", details=exc.details) from None


def now_iso() -> str:
    """2026-02-02T10:00:00.000Z, the form the original's JSON dates take."""
    return utc_timestamp()


def now_epoch() -> int:
    return int(time.time())
