"""What every marketplace store module shares: MarketTable's name, its item layout, and transactions.

MarketTable (`MARKET_TABLE`, keys `pk`/`sk`, TTL `expires_at`) holds everything of the marketplace block
(issue 18); the entities are the PynamoDB models of models/market_entities.py, counters are suite.dynamo
updates. Nothing here Scans: every list is a GetItem, a Query on a partition, or a Query on an index.

| item                 | pk                           | sk                     | notes                          |
|----------------------|------------------------------|------------------------|--------------------------------|
| catalogue item       | `ITEM#<id>`                  | `ITEM`                 | by_kind, by_installs, by_rating|
| rating lock          | `ITEM#<id>`                  | `RATED#<userId>`       | one rating per user and item   |
| rating               | `ITEM#<id>`                  | `RATING#<ratingId>`    | by_rank `RATINGS` (moderation) |
| rating pointer       | `RATINGREF#<ratingId>`       | `REF`                  | where a rating is              |
| provider             | `PROVIDER#<shortcode>`       | `PROVIDER`             | by_kind (`provider`)           |
| search index entry   | `SEARCH#<prefix>`            | `<kind>#<id>`          | logic/search.py                |
| trending window      | `TREND#<kind>#<first day>`   | `<id>`                 | by_rank; TTL after the window  |
| search term of a day | `TERM#<day>`                 | `<term>`               | by_rank `TERMS#<day>`; TTL     |
| install              | `USER#<userId>`              | `INSTALL#<id>`         | with the quota counter         |
| quota counter        | `USER#<userId>`              | `QUOTA#<kind>`         | `used`                         |
| refresh family       | `RFAMILY#<id>`               | `RFAMILY`              | TTL 30 days                    |
| refresh token        | `REFRESH#<sha256>`           | `REFRESH`              | TTL 30 days                    |
| uploaded session     | `USER#<userId>`              | `TRANSFER#<id>`        | TTL 7 days                     |
| attribution          | `ATTR#<id>`                  | `ATTR`                 | TTL 90 days                    |
| synced set           | `SYNCSET#<owner>`            | `hooks`, `agents`, ... | TTL 180 days after a sync      |
| feature flags        | `CONFIG`                     | `FLAGS`                |                                |
| v8 session           | `CTX#<deviceId>#<sessionId>` | `META`, `MSG#<id>`...  | TTL 90 days (also SUMMARY#, ARCHIVE#) |
| crash recovery       | `RECOVERY#<deviceId>`        | `<id>`                 | TTL 30 days                    |
| telemetry            | `TELEMETRY#<day>#<0-9>`      | `<id>`                 | TTL 30 days; never read        |
| directory entry      | `DIR#users`, `DIR#devices`   | `<createdAt>#<id>`     | DirectoryFunction (stream)     |
| stats counters       | `STATS`                      | `TOTALS`               | suite.dynamo ADD               |
"""

from __future__ import annotations

from typing import Any

from ccjk import config
from suite import dynamo

ITEM_SK = "ITEM"


class WriteRefused(Exception):
    """A transaction was cancelled: `reasons` has one code per action ('ConditionalCheckFailed' where a condition
    did not hold, 'None' for the actions that were fine)."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("transaction cancelled")
        self.reasons = reasons

    def failed(self, index: int) -> bool:
        return index < len(self.reasons) and self.reasons[index] == "ConditionalCheckFailed"


def table() -> str:
    return config.market().market_table


def item_pk(item_id: str) -> str:
    return f"ITEM#{item_id}"


def user_pk(user_id: str) -> str:
    return f"USER#{user_id}"


def commit(transaction: dynamo.Transaction) -> None:
    """All or nothing; a cancelled transaction is a WriteRefused with the per-action reasons. DynamoDB also cancels
    a transaction that conflicts with another one on the same items (`TransactionConflict`): that is retried,
    a few times, since the other writer has finished by then."""
    for attempt in range(4):
        try:
            transaction.commit()
            return
        except Exception as exc:
            if dynamo.error_code(exc) != "TransactionCanceledException":
                raise
            reasons = dynamo.cancellation_reasons(exc)
            if "TransactionConflict" in reasons and "ConditionalCheckFailed" not in reasons and attempt < 3:
                continue
            raise WriteRefused(reasons) from None


def commit_unless_first_refused(transaction: dynamo.Transaction) -> bool:
    """Commit; False when the first action's condition refused it (the usual "already there" / "not there"),
    any other refusal raises."""
    try:
        commit(transaction)
    except WriteRefused as refused:
        if refused.failed(0):
            return False
        raise
    return True


def get_raw(pk: str, sk: str) -> dict[str, Any] | None:
    return dynamo.get(table(), pk, sk)
