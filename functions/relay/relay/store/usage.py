"""Usage counters (RelayUsageTable) and the one write that feeds them (docs/relay.md, "RelayUsageTable").

`record(event)` is what the proxy's usage consumer calls once per request: one transaction that writes the
request log and ADDs every counter, guarded by a `DEDUP#<request id>` marker, so a redelivered event counts
once (a refused request, `counted=False`, gets its log and marker only). Every usage figure the API shows is
read from these counters (GetItem, BatchGetItem, key-range Query), never by scanning records.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from relay import clock, config, ids
from relay.models.entities import RequestLog, order
from suite import dynamo

FIELDS = ("requests", "errors", "input_tokens", "output_tokens", "cache_creation_tokens", "cache_read_tokens",
          "total_tokens", "input_cost", "output_cost", "cache_create_cost", "cache_read_cost", "cost", "duration_ms")
DEDUP_SECONDS = 7 * 86400
DAY_ITEM_DAYS = 400  # day and day×model counters expire after this; month and all-time totals stay
# Global counters are spread over shards (`G#0`..`G#7`, by request id), so all traffic does not write one
# partition; reads add the shards up.
GLOBAL_SHARDS = 8


@dataclass
class UsageEvent:
    """One proxied request, as the proxy reports it."""

    request_id: str
    user_id: int
    model: str
    api_key_id: int | None = None
    account_id: int | None = None
    account_name: str = ""
    user_package_id: int | None = None
    platform: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_tokens: int = 0
    cache_read_tokens: int = 0
    input_cost: float = 0.0
    output_cost: float = 0.0
    cache_create_cost: float = 0.0
    cache_read_cost: float = 0.0
    status_code: int = 200
    success: bool = True
    error: str = ""
    duration_ms: int = 0
    upstream_status_code: int = 0
    path: str = ""
    request_ip: str = ""
    user_agent: str = ""
    session_id: str = ""
    at: float = field(default_factory=clock.now)
    retention_days: int = 30
    # False for a request the proxy refused before any upstream account was tried (a bad model, a limit
    # reached): it is logged, but adds to no counter (a key over its daily limit does not use up more of it).
    counted: bool = True

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens + self.cache_creation_tokens + self.cache_read_tokens

    @property
    def cost(self) -> float:
        return round(self.input_cost + self.output_cost + self.cache_create_cost + self.cache_read_cost, 10)

    def amounts(self) -> dict[str, Any]:
        return {"requests": 1, "errors": 0 if self.success else 1, "input_tokens": self.input_tokens,
                "output_tokens": self.output_tokens, "cache_creation_tokens": self.cache_creation_tokens,
                "cache_read_tokens": self.cache_read_tokens, "total_tokens": self.total_tokens,
                "input_cost": round(self.input_cost, 10), "output_cost": round(self.output_cost, 10),
                "cache_create_cost": round(self.cache_create_cost, 10),
                "cache_read_cost": round(self.cache_read_cost, 10), "cost": self.cost,
                "duration_ms": self.duration_ms}


def _counter_keys(event: UsageEvent) -> list[tuple[str, str, bool]]:
    """(pk, sk, expires) of every counter one request adds to."""
    day, month, week = clock.day(event.at), clock.month(event.at), clock.iso_week(event.at)
    model = event.model or "unknown"
    keys: list[tuple[str, str, bool]] = []
    shard = f"G#{zlib.crc32(event.request_id.encode()) % GLOBAL_SHARDS}"
    for owner in (f"U#{event.user_id}", shard):
        keys += [(owner, f"D#{day}", True), (owner, f"D#{day}#M#{model}", True), (owner, f"MO#{month}", False),
                 (owner, "T", False), (owner, f"T#M#{model}", False)]
    keys.append((shard, f"D#{day}#U#{event.user_id}", True))
    if event.api_key_id:
        owner = f"K#{event.api_key_id}"
        keys += [(owner, f"D#{day}", True), (owner, f"D#{day}#M#{model}", True), (owner, f"MO#{month}", False),
                 (owner, "T", False)]
    if event.account_id:
        owner = f"A#{event.account_id}"
        keys += [(owner, f"D#{day}", True), (owner, "T", False)]
    if event.user_package_id:
        owner = f"P#{event.user_package_id}"
        keys += [(owner, f"D#{day}", True), (owner, f"W#{week}", False), (owner, f"MO#{month}", False),
                 (owner, "T", False)]
    return keys


def _log_item(event: UsageEvent) -> RequestLog:
    log_id = ids.log_id()
    day = clock.day(event.at)
    return RequestLog(
        f"RL#{day}", order(log_id, 20), id=log_id, request_id=event.request_id,
        user_pk=f"U#{event.user_id}", key_pk=f"K#{event.api_key_id}" if event.api_key_id else None,
        account_pk=f"A#{event.account_id}" if event.account_id else None, user_id=event.user_id,
        api_key_id=event.api_key_id, account_id=event.account_id, account_name=event.account_name,
        platform=event.platform, model=event.model, endpoint=event.path, method="POST", path=event.path,
        request_ip=event.request_ip, user_agent=event.user_agent[:500], session_id=event.session_id,
        input_tokens=event.input_tokens, output_tokens=event.output_tokens,
        cache_creation_input_tokens=event.cache_creation_tokens, cache_read_input_tokens=event.cache_read_tokens,
        total_tokens=event.total_tokens, input_cost=event.input_cost, output_cost=event.output_cost,
        cache_create_cost=event.cache_create_cost, cache_read_cost=event.cache_read_cost, total_cost=event.cost,
        status_code=event.status_code, success=event.success, error=event.error[:1000],
        duration=event.duration_ms, upstream_status_code=event.upstream_status_code,
        created_at=event.at, expires_at=int(event.at) + event.retention_days * 86400)


def record(event: UsageEvent) -> bool:
    """Count one request everywhere it counts; False (nothing written) when it was counted before."""
    settings = config.get()
    amounts = event.amounts()
    names = {f"#{name}": name for name in FIELDS}
    values = {f":{name}": amount for name, amount in amounts.items()}
    add = "ADD " + ", ".join(f"#{name} :{name}" for name in FIELDS)
    day_expiry = int(clock.day_start(clock.day(event.at))) + DAY_ITEM_DAYS * 86400
    tx = dynamo.Transaction()
    tx.put(settings.usage_table, {"pk": f"DEDUP#{event.request_id}", "sk": "DEDUP",
                                  "expires_at": int(event.at) + DEDUP_SECONDS},
           condition="attribute_not_exists(pk)")
    log = _log_item(event)
    tx.actions.append({"Put": {"TableName": settings.logs_table, "Item": log.serialize(),
                               "ConditionExpression": "attribute_not_exists(pk)"}})
    for pk, sk, expires in _counter_keys(event) if event.counted else []:
        expression = add + (" SET #expires_at = :expires_at" if expires else "")
        tx.update(settings.usage_table, pk, sk, expression,
                  names={**names, **({"#expires_at": "expires_at"} if expires else {})},
                  values={**values, **({":expires_at": day_expiry} if expires else {})})
    return tx.commit_if_conditions_hold()


# --- reads ----------------------------------------------------------------------------------------------------

def _plain(item: dict[str, Any] | None) -> dict[str, Any]:
    item = item or {}
    return {name: item.get(name, 0) for name in FIELDS}


def totals(pk: str, sk: str = "T") -> dict[str, Any]:
    return _plain(dynamo.get(config.get().usage_table, pk, sk))


def many(keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    found = dynamo.batch_get(config.get().usage_table, list(keys))
    return {key: _plain(item) for key, item in found.items()}


def days(pk: str, start: str, end: str) -> list[dict[str, Any]]:
    """Every day item and day×model item (and, under the `G#n` shards, day×user items) of `pk` from start to end."""
    return dynamo.query_all(
        config.get().usage_table, KeyConditionExpression="pk = :pk AND sk BETWEEN :a AND :b",
        ExpressionAttributeValues=dynamo.expression_values({":pk": pk, ":a": f"D#{start}",
                                                            ":b": f"D#{end}#\uffff"}))


def global_shards() -> list[str]:
    return [f"G#{n}" for n in range(GLOBAL_SHARDS)]


def model_totals(pk: str) -> list[dict[str, Any]]:
    """All-time totals per model (`T#M#<model>` items)."""
    return list(dynamo.query_partition(config.get().usage_table, pk, prefix="T#M#"))


def set_amount(pk: str, sk: str, name: str, value: float) -> None:
    """Set one counter (an admin correcting a package's spend for the current period)."""
    dynamo.update(config.get().usage_table, pk, sk, "SET #n = :v", names={"#n": name}, values={":v": value})
