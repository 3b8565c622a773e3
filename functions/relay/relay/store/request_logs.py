"""Request logs (RelayLogsTable `RL#<day>`/<id>, GSIs byUser, byKey, byAccount), written by store/usage.record."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pynamodb.expressions.condition import Condition

from relay.models.entities import RequestLog, order


def _between(first_id: int | None, last_id: int | None) -> Condition | None:
    if first_id is not None and last_id is not None:
        return RequestLog.sk.between(order(first_id, 20), order(last_id, 20))
    if first_id is not None:
        return RequestLog.sk >= order(first_id, 20)
    if last_id is not None:
        return RequestLog.sk <= order(last_id, 20)
    return None


def _filters(*, model: str | None = None, success: bool | None = None, platform: str | None = None,
             status: int | None = None, user_id: int | None = None) -> Condition | None:
    condition: Condition | None = None
    for part in ((RequestLog.model == model) if model else None,
                 (RequestLog.success == success) if success is not None else None,
                 (RequestLog.platform == platform) if platform else None,
                 (RequestLog.status_code == status) if status is not None else None,
                 (RequestLog.user_id == user_id) if user_id is not None else None):
        if part is not None:
            condition = part if condition is None else condition & part
    return condition


def newest(*, user_id: int | None = None, key_id: int | None = None, account_id: int | None = None,
           days: list[str] | None = None, first_id: int | None = None, last_id: int | None = None,
           **filters: Any) -> Iterator[RequestLog]:
    """Logs newest first, through the most selective index the filters allow (a key, a user, an account), else
    the day partitions of `days` (newest day first). Other filters are applied by DynamoDB as filters."""
    between = _between(first_id, last_id)
    if key_id is not None:
        yield from RequestLog.by_key.query(f"K#{key_id}", between, _filters(user_id=user_id, **filters),
                                           scan_index_forward=False)
    elif user_id is not None:
        yield from RequestLog.by_user.query(f"U#{user_id}", between, _filters(**filters), scan_index_forward=False)
    elif account_id is not None:
        yield from RequestLog.by_account.query(f"A#{account_id}", between, _filters(**filters),
                                               scan_index_forward=False)
    else:
        for day in sorted(days or [], reverse=True):
            yield from RequestLog.query(f"RL#{day}", between, _filters(**filters), scan_index_forward=False)


def count(*, user_id: int | None = None, key_id: int | None = None, account_id: int | None = None,
          days: list[str] | None = None, first_id: int | None = None, last_id: int | None = None,
          **filters: Any) -> int:
    """How many logs match (Select COUNT: keys are read, items are not sent)."""
    between = _between(first_id, last_id)
    if key_id is not None:
        return RequestLog.count(f"K#{key_id}", between, _filters(user_id=user_id, **filters), index_name="byKey")
    if user_id is not None:
        return RequestLog.count(f"U#{user_id}", between, _filters(**filters), index_name="byUser")
    if account_id is not None:
        return RequestLog.count(f"A#{account_id}", between, _filters(**filters), index_name="byAccount")
    return sum(RequestLog.count(f"RL#{day}", between, _filters(**filters)) for day in days or [])


def page(offset: int, limit: int, **query: Any) -> tuple[list[RequestLog], int]:
    """One page (reading no further than it) and the number of matches."""
    items: list[RequestLog] = []
    for index, item in enumerate(newest(**query)):
        if index >= offset + limit:
            break
        if index >= offset:
            items.append(item)
    return items, count(**query)
