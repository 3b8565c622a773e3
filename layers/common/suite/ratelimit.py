"""Fixed-window rate limits with atomic counters in DynamoDB (login throttling, per-token quotas, robot limits).

One item per (key, window): `UpdateItem ADD count :cost` guarded by `count < limit`, so concurrent Lambdas
can never admit more than the limit, and a TTL attribute lets DynamoDB delete old windows. A denied hit
tells how long until the window ends (the `Retry-After`).

The table is the caller's: any table whose partition key is a string works (pass `sort_key` when it has one,
so limiter items sit beside the service's own under a constant sort key). Items look like
`{pk: "rl#<key>#<window start>", count: N, expires_at: <window end + grace>}`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from suite import aws

_GRACE_SECONDS = 60  # keep a window's item a little past its end; TTL removes it later


@dataclass(frozen=True)
class Decision:
    allowed: bool
    count: int  # hits counted in this window (including this one when allowed)
    limit: int
    retry_after: int  # seconds until the window ends (0 when allowed)

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.count)


class FixedWindowLimiter:
    def __init__(self, table_name: str, *, partition_key: str = "pk", sort_key: tuple[str, str] | None = None,
                 ttl_attribute: str = "expires_at", client: Any = None, clock: Any = time.time) -> None:
        self.table_name = table_name
        self.partition_key = partition_key
        self.sort_key = sort_key
        self.ttl_attribute = ttl_attribute
        self._client = client
        self._clock = clock

    @property
    def client(self) -> Any:
        return self._client or aws.client("dynamodb")

    def _key(self, key: str, window_start: int, window_seconds: int) -> dict[str, Any]:
        item_key = {self.partition_key: {"S": f"rl#{key}#{window_seconds}#{window_start}"}}
        if self.sort_key:
            item_key[self.sort_key[0]] = {"S": self.sort_key[1]}
        return item_key

    def _window(self, window_seconds: int) -> tuple[int, float]:
        now = self._clock()
        return int(now // window_seconds) * window_seconds, now

    def hit(self, key: str, *, limit: int, window_seconds: int, cost: int = 1) -> Decision:
        """Count one use of `key`; allowed only while the window's count stays within `limit`."""
        start, now = self._window(window_seconds)
        try:
            answer = self.client.update_item(
                TableName=self.table_name,
                Key=self._key(key, start, window_seconds),
                UpdateExpression="ADD #count :cost SET #ttl = if_not_exists(#ttl, :ttl)",
                ConditionExpression="attribute_not_exists(#count) OR #count <= :ceiling",
                ExpressionAttributeNames={"#count": "count", "#ttl": self.ttl_attribute},
                ExpressionAttributeValues={
                    ":cost": {"N": str(cost)},
                    ":ceiling": {"N": str(limit - cost)},
                    ":ttl": {"N": str(start + window_seconds + _GRACE_SECONDS)},
                },
                ReturnValues="UPDATED_NEW",
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            retry_after = max(1, math.ceil(start + window_seconds - now))
            return Decision(allowed=False, count=limit, limit=limit, retry_after=retry_after)
        count = int(answer["Attributes"]["count"]["N"])
        return Decision(allowed=True, count=count, limit=limit, retry_after=0)

    def count(self, key: str, *, window_seconds: int) -> int:
        """Hits counted so far in the current window (a strongly consistent read)."""
        start, _now = self._window(window_seconds)
        item = self.client.get_item(TableName=self.table_name, Key=self._key(key, start, window_seconds),
                                    ConsistentRead=True).get("Item")
        return int(item["count"]["N"]) if item else 0

    def reset(self, key: str, *, window_seconds: int) -> None:
        """Forget the current window (e.g. failed logins after a successful one)."""
        start, _now = self._window(window_seconds)
        self.client.delete_item(TableName=self.table_name, Key=self._key(key, start, window_seconds))


_limiters: dict[tuple[str, str, tuple[str, str] | None], FixedWindowLimiter] = {}


def limiter_for(table_name: str, *, partition_key: str = "pk",
                sort_key: tuple[str, str] | None = None) -> FixedWindowLimiter:
    """One limiter per table and key layout for the execution environment (limiters hold no state of their own
    beyond the table, so sharing them is safe; the boto3 client comes from suite.aws)."""
    key = (table_name, partition_key, sort_key)
    found = _limiters.get(key)
    if found is None:
        found = _limiters.setdefault(key, FixedWindowLimiter(table_name, partition_key=partition_key,
                                                             sort_key=sort_key))
    return found
