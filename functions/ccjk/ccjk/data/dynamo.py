"""The ccjk table through the suite's DynamoDB plumbing (suite.dynamo), bound to this service's table name."""

from __future__ import annotations

from typing import Any

from ccjk import settings
from suite import dynamo as plumbing
from suite.dynamo import (
    cancellation_reasons,
    client,
    error_code,
    from_item,
    is_condition_failure,
    key,
    to_item,
    to_value,
)

__all__ = ["cancellation_reasons", "client", "count", "error_code", "from_item", "get", "is_condition_failure",
           "key", "query_all", "query_page", "table", "to_item", "to_value", "values"]


def table() -> str:
    return settings.table_name()


def values(mapping: dict[str, Any]) -> dict[str, Any]:
    """ExpressionAttributeValues from a plain dict."""
    return plumbing.expression_values(mapping)


def get(pk: str, sk: str) -> dict[str, Any] | None:
    return plumbing.get(table(), pk, sk)


def query_all(**request: Any) -> list[dict[str, Any]]:
    """Every page of a Query on the ccjk table (for partitions whose size we bound)."""
    return plumbing.query_all(request.pop("TableName", table()), **request)


def count(**request: Any) -> int:
    return plumbing.count(request.pop("TableName", table()), **request)


def query_page(offset: int, limit: int, **request: Any) -> list[dict[str, Any]]:
    """Items offset..offset+limit of a Query (page/limit pagination over a key-ordered partition)."""
    return plumbing.query_page(request.pop("TableName", table()), offset, limit, **request)
