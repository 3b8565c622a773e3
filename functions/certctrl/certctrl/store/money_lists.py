"""How many items the money lists hold (their `total`), one Query with Select COUNT each (no Scan), in LedgerTable's
key shapes (docs/certctrl-money.md §3): a user's top-ups (gsi1), a state's top-ups (gsi2), a user's records."""

from __future__ import annotations

from certctrl.store.money_common import table
from suite import dynamo


def user_topups(user_id: int) -> int:
    return dynamo.count(table(), IndexName="gsi1", KeyConditionExpression="gsi1pk = :pk",
                        ExpressionAttributeValues=dynamo.expression_values({":pk": f"USER#{user_id}#TOPUP"}))


def topups_in_state(state: str) -> int:
    return dynamo.count(table(), IndexName="gsi2", KeyConditionExpression="gsi2pk = :pk",
                        ExpressionAttributeValues=dynamo.expression_values({":pk": f"TOPUPS#{state}"}))


def user_records(user_id: int, kind: str) -> int:
    """`CONV` (conversions) or `PAY` (payments) of a user."""
    return dynamo.count(table(), KeyConditionExpression="pk = :pk AND begins_with(sk, :p)",
                        ExpressionAttributeValues=dynamo.expression_values({":pk": f"USER#{user_id}",
                                                                            ":p": f"{kind}#"}))
