"""The four pagination styles of the specs, and opaque cursors over DynamoDB's LastEvaluatedKey.

| style             | request          | response meta                              |
|-------------------|------------------|--------------------------------------------|
| PagePagination    | page, limit      | pagination {page, limit, total, totalPages} |
| SkipPagination    | limit, skip      | limit, skip, total                         |
| OffsetPagination  | offset, limit    | offset, limit, total                       |
| ItemsPagination   | page, page_size  | items, total, page (+ page_size)           |

Bad numbers are a 400 with a message naming the parameter; a limit above the maximum is clamped (clients that
ask for "everything" still get an answer), unless the service asks for strict limits.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from suite.errors import BadRequest

_INTEGER = re.compile(r"-?[0-9]{1,12}")  # ASCII digits only: "²" and "--5" pass str.isdigit() but not int()


def query_int(
    query: Mapping[str, Any] | None,
    name: str,
    *,
    default: int,
    minimum: int = 0,
    maximum: int | None = None,
    clamp: bool = True,
) -> int:
    """Read one integer query parameter; reject junk and negatives with a 400 that names the parameter."""
    raw = (query or {}).get(name)
    if raw is None or raw == "":
        return default
    text = str(raw).strip()
    if not _INTEGER.fullmatch(text):
        raise BadRequest(f"{name} must be an integer", code="VALIDATION_ERROR", details={"field": name})
    value = int(text)
    if value < minimum:
        raise BadRequest(f"{name} must be at least {minimum}", code="VALIDATION_ERROR", details={"field": name})
    if maximum is not None and value > maximum:
        if not clamp:
            raise BadRequest(f"{name} must be at most {maximum}", code="VALIDATION_ERROR", details={"field": name})
        value = maximum
    return value


@dataclass(frozen=True)
class PagePagination:
    page: int
    limit: int

    @classmethod
    def from_query(cls, query: Mapping[str, Any] | None, *, default_limit: int = 20, max_limit: int = 100,
                   clamp: bool = True) -> PagePagination:
        return cls(
            page=query_int(query, "page", default=1, minimum=1),
            limit=query_int(query, "limit", default=default_limit, minimum=1, maximum=max_limit, clamp=clamp),
        )

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit

    def meta(self, total: int) -> dict[str, Any]:
        return {
            "pagination": {
                "page": self.page,
                "limit": self.limit,
                "total": total,
                "totalPages": math.ceil(total / self.limit) if total else 0,
            }
        }


@dataclass(frozen=True)
class SkipPagination:
    limit: int
    skip: int

    @classmethod
    def from_query(cls, query: Mapping[str, Any] | None, *, default_limit: int = 20, max_limit: int = 100,
                   clamp: bool = True) -> SkipPagination:
        return cls(
            limit=query_int(query, "limit", default=default_limit, minimum=0, maximum=max_limit, clamp=clamp),
            skip=query_int(query, "skip", default=0, minimum=0),
        )

    @property
    def offset(self) -> int:
        return self.skip

    def meta(self, total: int) -> dict[str, Any]:
        return {"total": total, "limit": self.limit, "skip": self.skip}


@dataclass(frozen=True)
class OffsetPagination:
    offset: int
    limit: int

    @classmethod
    def from_query(cls, query: Mapping[str, Any] | None, *, default_limit: int = 100, max_limit: int = 1000,
                   clamp: bool = True) -> OffsetPagination:
        return cls(
            offset=query_int(query, "offset", default=0, minimum=0),
            limit=query_int(query, "limit", default=default_limit, minimum=1, maximum=max_limit, clamp=clamp),
        )

    def meta(self, total: int) -> dict[str, Any]:
        return {"offset": self.offset, "limit": self.limit, "total": total}


@dataclass(frozen=True)
class ItemsPagination:
    page: int
    page_size: int

    @classmethod
    def from_query(
        cls,
        query: Mapping[str, Any] | None,
        *,
        default_size: int = 20,
        max_size: int = 100,
        size_names: Sequence[str] = ("page_size", "pageSize", "limit"),
        clamp: bool = True,
    ) -> ItemsPagination:
        present = next((n for n in size_names if (query or {}).get(n) not in (None, "")), size_names[0])
        return cls(
            page=query_int(query, "page", default=1, minimum=1),
            page_size=query_int(query, present, default=default_size, minimum=1, maximum=max_size, clamp=clamp),
        )

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    def body(self, items: Sequence[Any], total: int) -> dict[str, Any]:
        return {"items": list(items), "total": total, "page": self.page, "page_size": self.page_size}


def page_slice(items: Sequence[Any], offset: int, limit: int) -> list[Any]:
    return list(items[offset : offset + limit])


# --- Opaque cursors -------------------------------------------------------------------------------------------

def encode_cursor(last_evaluated_key: Mapping[str, Any] | None) -> str | None:
    """DynamoDB's LastEvaluatedKey as a URL-safe token (None when there is no next page)."""
    if not last_evaluated_key:
        return None
    raw = json.dumps(last_evaluated_key, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(token: str | None, *, expected: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
    """Back to an ExclusiveStartKey. `expected` pins key attributes (the caller's partition), so a forged cursor
    cannot start a Query inside somebody else's partition."""
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise BadRequest("cursor is invalid", code="VALIDATION_ERROR", details={"field": "cursor"}) from exc
    if not isinstance(value, dict):
        raise BadRequest("cursor is invalid", code="VALIDATION_ERROR", details={"field": "cursor"})
    for key, pinned in (expected or {}).items():
        if value.get(key) != pinned:
            raise BadRequest("cursor is invalid", code="VALIDATION_ERROR", details={"field": "cursor"})
    return value
