"""Message logs and their stats counters (LogsTable). The forwarding pipeline writes through `record_delivery`.

Rows: pk "MSG#<kook message id>" / sk "TARGET#<target>" — one row per (KOOK message, target), where the target
is what the message was delivered to (the mapping id). Retries and status changes of a delivery update the same
row. Each row carries `day` and `created_at` (GSI ByDay: newest logs first, day by day) and `kook_channel_id`
(GSI ByChannel: one channel's logs), and `expires_at`: the end of its day plus the retention, so a day's rows and
its counters expire together.

Counters: pk "STATS#<day>" / sk "DAY" holds `n_<platform>_<status>`, `lat_sum_<platform>` and
`lat_n_<platform>` (latency of successful deliveries); sk "HOUR#<HH>" holds `n_<status>`. They change in the
same DynamoDB transaction as the row they count (a row's status change moves one count from the old status to
the new), guarded by the row's `revision`, so the counters always equal the rows: stats never scan.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from kook import clock, config
from kook.store import settings
from suite import dynamo

STATUSES = ("pending", "success", "failed")
DAY_INDEX = "ByDay"
CHANNEL_INDEX = "ByChannel"
MAX_CONTENT_CHARS = 4000
_NAME = re.compile(r"[^a-z0-9]")
_WRITE_ATTEMPTS = 10
_BACKOFF_CAP_SECONDS = 0.2


_jitter = random.Random()  # noqa: S311


class ConcurrentDelivery(Exception):
    """The row kept changing under us; the caller (an SQS worker) should retry the message."""


@dataclass(frozen=True)
class Delivery:
    """One delivery of a KOOK message to one target, as the pipeline reports it."""

    kook_message_id: str
    target: str  # the unit of delivery, e.g. the mapping id
    status: str  # pending | success | failed
    target_platform: str
    kook_channel_id: str = ""
    target_channel: str = ""
    target_bot_id: int | None = None
    mapping_id: int | None = None
    content: str = ""
    message_type: str = "text"
    sender_name: str = ""
    error_message: str | None = None
    latency_ms: int | None = None

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}")
        if not self.kook_message_id or not self.target or not self.target_platform:
            raise ValueError("kook_message_id, target and target_platform are required")


def _table() -> str:
    return config.get().logs_table


def platform_name(platform: str) -> str:
    return _NAME.sub("", platform.lower()) or "other"


def row_key(kook_message_id: str, target: str) -> tuple[str, str]:
    return f"MSG#{kook_message_id}", f"TARGET#{target}"


_RETENTION_CACHE_SECONDS = 60.0
_retention_cache: dict[str, tuple[int | None, float]] = {}


def retention_days() -> int:
    """The configured log retention: system-config's `log_retention_days`, else LOG_RETENTION_DAYS.
    The setting is re-read at most once a minute per execution environment (it is read on every write)."""
    cached = _retention_cache.get("system_config")
    if cached is None or time.monotonic() - cached[1] > _RETENTION_CACHE_SECONDS:
        configured = (settings.document("system_config") or {}).get("log_retention_days")
        cached = (int(configured) if configured else None, time.monotonic())
        _retention_cache["system_config"] = cached
    return cached[0] or config.get().log_retention_days


def forget_retention() -> None:
    """Drop the cached setting (system-config was just changed in this environment)."""
    _retention_cache.clear()


def _expiry(created: dt.datetime, retention: int) -> int:
    end_of_day = clock.start_of_day(created) + dt.timedelta(days=1)
    return int((end_of_day + dt.timedelta(days=retention)).timestamp())


# ------------------------------------------------------------------------------------------------ writing

_UNREAD = object()


def record_delivery(delivery: Delivery, *, at: dt.datetime | None = None, retention: int | None = None,
                    current: Any = _UNREAD) -> dict[str, Any]:
    """Create or update the log row of (message, target) and move the stats counters with it, atomically.

    The first report creates the row (counted under its status); later reports of the same delivery update it
    (a status change moves its count; a success adds its latency). Safe under concurrent writers and retries:
    each write is conditional on the row's revision, and a lost race re-reads and tries again. A caller that has
    just read the row (or knows there is none: `current=None`) passes it to save the first read.
    """
    pk, sk = row_key(delivery.kook_message_id, delivery.target)
    moment = at or clock.now()
    for attempt in range(_WRITE_ATTEMPTS):
        if attempt or current is _UNREAD:
            current = dynamo.get(_table(), pk, sk)
        row = _merged_row(current, delivery, moment, retention)
        transaction = dynamo.Transaction()
        if current is None:
            transaction.put(_table(), row, condition="attribute_not_exists(pk)")
        else:
            transaction.put(_table(), row, condition="revision = :revision",
                            values={":revision": current["revision"]})
        _count(transaction, current, row)
        try:
            transaction.commit()
        except Exception as exc:
            if dynamo.is_condition_failure(exc) or _is_transaction_conflict(exc):
                time.sleep(_jitter.uniform(0, min(_BACKOFF_CAP_SECONDS, 0.01 * 2**attempt)))
                continue
            raise
        return row
    raise ConcurrentDelivery(f"{pk}/{sk} kept changing")


def _is_transaction_conflict(exc: Exception) -> bool:
    """Another transaction was writing the same counter item at that moment (DynamoDB: TransactionConflict)."""
    return "TransactionConflict" in dynamo.cancellation_reasons(exc)


def _merged_row(current: dict[str, Any] | None, delivery: Delivery, moment: dt.datetime,
                retention: int | None) -> dict[str, Any]:
    pk, sk = row_key(delivery.kook_message_id, delivery.target)
    if current is None:
        created = moment
        base: dict[str, Any] = {
            "pk": pk, "sk": sk, "revision": 0, "attempts": 0,
            "created_at": clock.precise(created), "day": clock.day(created), "hour": clock.hour(created),
            "expires_at": _expiry(created, retention or retention_days()),
        }
    else:
        base = dict(current)
    row = {
        **base,
        "kook_message_id": delivery.kook_message_id,
        "target": delivery.target,
        "kook_channel_id": delivery.kook_channel_id or base.get("kook_channel_id") or "-",
        "target_platform": platform_name(delivery.target_platform),
        "target_channel": delivery.target_channel or base.get("target_channel", ""),
        "target_bot_id": delivery.target_bot_id if delivery.target_bot_id is not None else base.get("target_bot_id"),
        "mapping_id": delivery.mapping_id if delivery.mapping_id is not None else base.get("mapping_id"),
        "content": (delivery.content or base.get("content", ""))[:MAX_CONTENT_CHARS],
        "message_type": delivery.message_type or base.get("message_type", "text"),
        "sender_name": delivery.sender_name or base.get("sender_name", ""),
        "status": delivery.status,
        "error_message": delivery.error_message if delivery.status == "failed" else None,
        "latency_ms": delivery.latency_ms if delivery.latency_ms is not None else base.get("latency_ms"),
        "updated_at": clock.precise(moment),
        "revision": base["revision"] + 1,
        "attempts": base["attempts"] + 1,
    }
    if current is not None:
        # A row keeps the platform it was counted under: its counters must be moved, never re-attributed.
        row["target_platform"] = current["target_platform"]
    return {k: v for k, v in row.items() if v is not None}


def _contribution(row: dict[str, Any] | None) -> dict[tuple[str, str], int]:
    """What one row adds to its day's and hour's counters."""
    if row is None:
        return {}
    platform, status = row["target_platform"], row["status"]
    parts = {("DAY", f"n_{platform}_{status}"): 1, (f"HOUR#{row['hour']}", f"n_{status}"): 1}
    if status == "success" and row.get("latency_ms") is not None:
        parts[("DAY", f"lat_sum_{platform}")] = int(row["latency_ms"])
        parts[("DAY", f"lat_n_{platform}")] = 1
    return parts


def _count(transaction: dynamo.Transaction, before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    """Add `after`'s contribution and remove `before`'s, per counter item, in the transaction."""
    delta: dict[tuple[str, str], int] = {}
    for part, amount in _contribution(after).items():
        delta[part] = delta.get(part, 0) + amount
    for part, amount in _contribution(before).items():
        delta[part] = delta.get(part, 0) - amount
    row = after or before
    assert row is not None
    by_item: dict[str, dict[str, int]] = {}
    for (sort, attribute), amount in delta.items():
        if amount:
            by_item.setdefault(sort, {})[attribute] = amount
    for sort, amounts in by_item.items():
        names = {"#exp": "expires_at"}
        values: dict[str, Any] = {":exp": row["expires_at"]}
        additions = []
        for index, (attribute, amount) in enumerate(sorted(amounts.items())):
            names[f"#c{index}"] = attribute
            values[f":d{index}"] = amount
            additions.append(f"#c{index} :d{index}")
        transaction.update(_table(), f"STATS#{row['day']}", sort,
                           "ADD " + ", ".join(additions) + " SET #exp = if_not_exists(#exp, :exp)",
                           names=names, values=values)


def delete_row(row: dict[str, Any]) -> bool:
    """Delete one log row and take it out of its counters (False when it changed or vanished meanwhile)."""
    transaction = dynamo.Transaction()
    transaction.delete(_table(), row["pk"], row["sk"], condition="revision = :revision",
                       values={":revision": row["revision"]})
    _count(transaction, row, None)
    return transaction.commit_if_conditions_hold()


def delivery(kook_message_id: str, target: str) -> dict[str, Any] | None:
    """The row of one delivery (the pipeline's dedupe check: skip targets already `success`)."""
    pk, sk = row_key(kook_message_id, target)
    return dynamo.get(_table(), pk, sk)


# ------------------------------------------------------------------------------------------------ reading

def recent_days(count: int, *, today: dt.datetime | None = None) -> list[str]:
    """The last `count` stats days, newest first, today included."""
    start = clock.start_of_day(today or clock.now())
    return [clock.day(start - dt.timedelta(days=offset)) for offset in range(count)]


def _filters(status: str | None, platform: str | None) -> tuple[str, dict[str, str], dict[str, Any]]:
    clauses = ["expires_at > :now"]
    names: dict[str, str] = {}
    values: dict[str, Any] = {":now": {"N": str(clock.epoch())}}
    if status:
        clauses.append("#status = :status")
        names["#status"] = "status"
        values[":status"] = {"S": status}
    if platform:
        clauses.append("target_platform = :platform")
        values[":platform"] = {"S": platform_name(platform)}
    return " AND ".join(clauses), names, values


def iter_rows(*, status: str | None = None, platform: str | None = None, channel_id: str | None = None,
              days: list[str] | None = None) -> Iterator[dict[str, Any]]:
    """Rows newest first. With `channel_id`: one Query on ByChannel; otherwise day by day on ByDay."""
    condition, names, values = _filters(status, platform)
    if channel_id:
        request: dict[str, Any] = {"IndexName": CHANNEL_INDEX, "KeyConditionExpression": "kook_channel_id = :c",
                                   "FilterExpression": condition, "ScanIndexForward": False,
                                   "ExpressionAttributeValues": {**values, ":c": {"S": channel_id}}}
        if names:
            request["ExpressionAttributeNames"] = names
        yield from dynamo.query(_table(), **request)
        return
    for day in recent_days(retention_days() + 1) if days is None else days:
        request = {"IndexName": DAY_INDEX, "KeyConditionExpression": "#day = :day", "FilterExpression": condition,
                   "ScanIndexForward": False, "ExpressionAttributeNames": {**names, "#day": "day"},
                   "ExpressionAttributeValues": {**values, ":day": {"S": day}}}
        yield from dynamo.query(_table(), **request)


def count_channel_rows(channel_id: str, *, status: str | None = None, platform: str | None = None) -> int:
    condition, names, values = _filters(status, platform)
    request: dict[str, Any] = {"TableName": _table(), "IndexName": CHANNEL_INDEX,
                               "KeyConditionExpression": "kook_channel_id = :c", "FilterExpression": condition,
                               "ExpressionAttributeValues": {**values, ":c": {"S": channel_id}}, "Select": "COUNT"}
    if names:
        request["ExpressionAttributeNames"] = names
    total = 0
    while True:
        answer = dynamo.client().query(**request)
        total += answer.get("Count", 0)
        if not answer.get("LastEvaluatedKey"):
            return total
        request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


def day_counters(days: list[str]) -> dict[str, dict[str, int]]:
    """Counter items of whole days ({day: {attribute: value}}), expired ones left out."""
    found = dynamo.batch_get(_table(), [(f"STATS#{day}", "DAY") for day in days])
    now = clock.epoch()
    return {pk.removeprefix("STATS#"): item for (pk, _sk), item in found.items() if item.get("expires_at", 0) > now}


def hour_counters(days: list[str]) -> dict[tuple[str, str], dict[str, int]]:
    """Hour counter items ({(day, HH): {n_<status>: value}})."""
    found: dict[tuple[str, str], dict[str, int]] = {}
    now = clock.epoch()
    for day in days:
        for item in dynamo.query_partition(_table(), f"STATS#{day}", prefix="HOUR#"):
            if item.get("expires_at", 0) > now:
                found[(day, item["sk"].removeprefix("HOUR#"))] = item
    return found


def rows_created_before(cutoff: dt.datetime, days: list[str]) -> Iterator[dict[str, Any]]:
    """Rows of `days` created before `cutoff` (for clearing), expired ones included."""
    for day in days:
        request = {"IndexName": DAY_INDEX, "KeyConditionExpression": "#day = :day AND created_at < :cutoff",
                   "ExpressionAttributeNames": {"#day": "day"},
                   "ExpressionAttributeValues": {":day": {"S": day}, ":cutoff": {"S": clock.precise(cutoff)}}}
        yield from dynamo.query(_table(), **request)
