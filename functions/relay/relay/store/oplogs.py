"""Operation logs (RelayLogsTable `OP#<yyyy-mm>`/<id>): one item per admin write, kept 180 days (TTL)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pynamodb.exceptions import DoesNotExist

from relay import clock, ids
from relay.models.entities import OperationLog, order


def month_of(log_id: int) -> str:
    return clock.month(ids.log_id_seconds(log_id))


def put(log_id: int, **fields: Any) -> OperationLog:
    item = OperationLog(f"OP#{month_of(log_id)}", order(log_id, 20), id=log_id, **fields)
    item.save()
    return item


def get(log_id: int) -> OperationLog | None:
    try:
        return OperationLog.get(f"OP#{month_of(log_id)}", order(log_id, 20), consistent_read=True)
    except DoesNotExist:
        return None


def in_month(month: str, *, since_id: int | None = None, until_id: int | None = None) -> Iterator[OperationLog]:
    """A month's logs, newest first, optionally between two ids."""
    condition = None
    if since_id is not None and until_id is not None:
        condition = OperationLog.sk.between(order(since_id, 20), order(until_id, 20))
    elif since_id is not None:
        condition = OperationLog.sk >= order(since_id, 20)
    elif until_id is not None:
        condition = OperationLog.sk <= order(until_id, 20)
    return OperationLog.query(f"OP#{month}", condition, scan_index_forward=False)


def delete(items: list[OperationLog]) -> int:
    with OperationLog.batch_write() as batch:
        for item in items:
            batch.delete(item)
    return len(items)
