"""Table-level facts: a cheap liveness probe and DynamoDB's own size estimates."""

from __future__ import annotations

import time
from typing import Any

from kook import config
from suite import dynamo


def probe() -> int:
    """Read one known key of ConfigTable; returns the latency in ms (raises when DynamoDB is unreachable)."""
    started = time.monotonic()
    dynamo.get(config.get().config_table, "SETTINGS", "probe", consistent=False)
    return int((time.monotonic() - started) * 1000)


def describe(table: str) -> dict[str, Any]:
    """ItemCount and TableSizeBytes (DynamoDB refreshes them about every six hours)."""
    answer = dynamo.client().describe_table(TableName=table)["Table"]
    return {"item_count": int(answer.get("ItemCount", 0)), "size_bytes": int(answer.get("TableSizeBytes", 0))}


def count_partition(table: str, pk: str) -> int:
    return dynamo.count(table, KeyConditionExpression="pk = :pk",
                        ExpressionAttributeValues=dynamo.expression_values({":pk": pk}))
