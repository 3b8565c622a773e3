"""What the marketplace routes share: reading their query parameters the way the clients send them (strings;
bad values are a 400 naming the parameter), the kinds a `type` names, and paging."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ccjk.logic import catalog
from suite import auth
from suite.api import Router
from suite.errors import BadRequest
from suite.pagination import query_int

TRUE = {"true", "1", "yes", "on"}
FALSE = {"false", "0", "no", "off"}
PUBLIC_CACHE = {"Cache-Control": "public, max-age=30"}  # anonymous catalogue reads may be cached by a CDN


def bad(name: str, message: str) -> BadRequest:
    return BadRequest(f"{name}: {message}", code="VALIDATION_ERROR", details={"field": name})


def flag(name: str, raw: str | None) -> bool | None:
    """A boolean query parameter (true/false/1/0...); None when absent."""
    if raw is None or raw == "":
        return None
    text = raw.strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise bad(name, "must be true or false")


def number(name: str, raw: str | None, *, default: int, minimum: int = 0, maximum: int | None = None) -> int:
    return query_int({name: raw}, name, default=default, minimum=minimum, maximum=maximum)


def choice(name: str, raw: str | None, allowed: Sequence[str], default: str) -> str:
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value not in allowed:
        raise bad(name, f"one of {', '.join(allowed)}")
    return value


def kinds(name: str, raw: str | None, default: Sequence[str]) -> tuple[str, ...]:
    """The kinds a `type` parameter names (`skills`, `mcp`, `agents`, `all`, a comma-separated list...)."""
    if raw is None or raw.strip() == "":
        return tuple(default)
    found: list[str] = []
    for part in raw.split(","):
        text = part.strip().lower()
        if text in ("all", "*"):
            return catalog.KINDS
        kind = catalog.kind_of(text)
        if kind is None:
            raise bad(name, f"unknown type {part.strip()[:40]!r}")
        found.append(kind)
    return tuple(dict.fromkeys(found))


def text(name: str, raw: str | None, *, max_length: int = 200) -> str | None:
    if raw is None:
        return None
    value = raw.strip()
    if len(value) > max_length:
        raise bad(name, f"at most {max_length} characters")
    return value or None


@dataclass(frozen=True)
class Paging:
    page: int
    limit: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit

    def meta(self, total: int) -> dict[str, Any]:
        return {"page": self.page, "limit": self.limit, "total": total,
                "totalPages": math.ceil(total / self.limit) if total else 0,
                "hasNext": self.page * self.limit < total}


def paging(page: str | None, limit: str | None, *, default: int = 20, maximum: int = 100) -> Paging:
    """`page` (≥ 1) and `limit` (default 20, larger than the maximum is clamped)."""
    return Paging(page=number("page", page, default=1, minimum=1),
                  limit=number("limit", limit, default=default, minimum=1, maximum=maximum))


def header(router: Router, name: str) -> str | None:
    return auth.header(router.current_event, name)


def source_ip(router: Router) -> str:
    return auth.source_ip(router.current_event)
