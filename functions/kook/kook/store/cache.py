"""A small TTL cache in ConfigTable for answers of outside APIs (KOOK servers/channels, GitHub releases).

Keys: pk "CACHE" / sk <name> with `value` and `expires_at` (TTL). One partition, so the cache size is one
COUNT Query. Hits and misses are atomic counters (pk "CACHE_STATS" / sk "all") for GET /api/cache/stats.
DynamoDB's TTL deletes lazily, so reads also check `expires_at` themselves.
"""

from __future__ import annotations

from typing import Any

from kook import clock, config
from suite import dynamo

CACHE = "CACHE"
STATS = "CACHE_STATS"


def _table() -> str:
    return config.get().config_table


def account_prefix(account_id: int) -> str:
    return f"kook#{account_id}#"


def _count(outcome: str) -> None:
    dynamo.update(_table(), STATS, "all", "ADD #n :one", names={"#n": outcome}, values={":one": 1},
                  return_values="NONE")


def get(name: str) -> Any | None:
    item = dynamo.get(_table(), CACHE, name, consistent=False)
    if item is not None and item.get("expires_at", 0) > clock.epoch():
        _count("hits")
        return item.get("value")
    _count("misses")
    return None


def put(name: str, value: Any, *, ttl_seconds: int) -> None:
    dynamo.put(_table(), {"pk": CACHE, "sk": name, "value": value, "expires_at": clock.epoch() + ttl_seconds,
                          "stored_at": clock.iso()})


def invalidate(prefix: str) -> int:
    keys = [(item["pk"], item["sk"]) for item in dynamo.query_partition(_table(), CACHE, prefix=prefix)]
    return dynamo.batch_delete(_table(), keys)


def stats() -> dict[str, int]:
    counters = dynamo.get(_table(), STATS, "all", consistent=False) or {}
    now = clock.epoch()
    items = dynamo.query(_table(), KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": CACHE}},
                         ProjectionExpression="expires_at")
    live = sum(1 for item in items if item.get("expires_at", 0) > now)
    return {"cache_size": live, "total_hits": int(counters.get("hits", 0)),
            "total_misses": int(counters.get("misses", 0))}
