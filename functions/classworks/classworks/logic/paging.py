"""limit/skip query parameters with the service's own (Chinese) messages."""

from __future__ import annotations

from collections.abc import Mapping

from suite.errors import BadRequest
from suite.pagination import SkipPagination


def skip_page(query: Mapping[str, str | None], *, default_limit: int, max_limit: int) -> SkipPagination:
    """limit (clamped to `max_limit`) and skip; a negative or non-numeric value is a 400 naming it."""
    present = {name: value for name, value in query.items() if value is not None}
    try:
        return SkipPagination.from_query(present, default_limit=default_limit, max_limit=max_limit)
    except BadRequest as exc:
        name = exc.details.get("field", "limit")
        raise BadRequest(f"参数 {name} 必须是非负整数", code="VALIDATION_ERROR", details=exc.details) from None
