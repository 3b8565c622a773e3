"""The admin directory: every user and device of CcjkTable listed in MarketTable (`DIR#users`, `DIR#devices`,
sort key `<createdAt>#<id>`), kept by DirectoryFunction from CcjkTable's stream, with the stats counters.

Each entry goes in (or out) in one transaction with its counter, conditional on its absence (presence), so a
stream batch that is retried counts nothing twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ccjk.store import common, rankings
from ccjk.store.market import commit_unless_first_refused, table
from suite import dynamo

COUNTERS = {"users": "users", "devices": "devices"}


def directory_pk(kind: str) -> str:
    return f"DIR#{kind}"


def plain(image: Mapping[str, Any] | None) -> dict[str, Any]:
    """A stream record's image (DynamoDB JSON) as plain values."""
    return dynamo.from_item(image) or {}


def add(kind: str, sort_key: str, values: dict[str, Any]) -> bool:
    """False when the entry was there already (a redelivered record)."""
    transaction = dynamo.Transaction()
    transaction.put(table(), {"pk": directory_pk(kind), "sk": sort_key, **values},
                    condition="attribute_not_exists(pk)")
    rankings.stats_action(transaction, {COUNTERS[kind]: 1})
    return commit_unless_first_refused(transaction)


def remove(kind: str, sort_key: str) -> bool:
    transaction = dynamo.Transaction()
    transaction.delete(table(), directory_pk(kind), sort_key, condition="attribute_exists(pk)")
    rankings.stats_action(transaction, {COUNTERS[kind]: -1})
    return commit_unless_first_refused(transaction)


def page(kind: str, offset: int, limit: int) -> list[dict[str, Any]]:
    """Entries newest first."""
    return dynamo.query_page(table(), offset, limit, KeyConditionExpression="pk = :pk",
                             ExpressionAttributeValues=dynamo.expression_values({":pk": directory_pk(kind)}),
                             ScanIndexForward=False)


def ccjk_items(keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Items of CcjkTable by key (users' profiles), read consistently."""
    return dynamo.batch_get(common.table(), keys)


def delete_user(user_id: str, email: str) -> bool:
    """A user's profile and e-mail lock together; False when the profile is gone already."""
    transaction = dynamo.Transaction()
    transaction.delete(common.table(), f"USER#{user_id}", "PROFILE", condition="attribute_exists(pk)")
    transaction.delete(common.table(), f"EMAIL#{email}", "EMAIL", condition="user_id = :id",
                       values={":id": user_id})
    return commit_unless_first_refused(transaction)


def set_tier(user_id: str, tier: str) -> bool:
    """A user's tier (free, pro, enterprise); False when there is no such user."""
    try:
        dynamo.update(common.table(), f"USER#{user_id}", "PROFILE", "SET tier = :tier", values={":tier": tier},
                      condition="attribute_exists(pk)", return_values="NONE")
    except Exception as exc:
        if dynamo.is_condition_failure(exc):
            return False
        raise
    return True
