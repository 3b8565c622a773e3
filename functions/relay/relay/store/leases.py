"""Concurrency slots of a user or an account (RelayStateTable, partition `CONC#<owner>`, owner `U#<uid>` / `A#<aid>`).

A slot is two items written in one transaction: a counter `CONC#<owner>`/`COUNT` (`ADD count 1` guarded by
`count < limit`, so concurrent invocations can never take more than the limit) and a lease
`CONC#<owner>`/`LEASE#<request id>` with `expires_at` (TTL). Giving the slot back deletes the lease (it must
still exist) and takes one off the counter, again in one transaction.

A killed invocation never gives its slot back; its lease expires instead. When the counter says "full", the
partition is read (one consistent Query) and, if some leases have expired, the counter is set to the number of
live leases and the expired leases are deleted, in one transaction guarded by the counter value that was read
(a slot taken or given back meanwhile makes the repair fail and the attempt start over). A lease deleted by a
repair (or by an admin's reset) is not counted again when its request ends, since the give-back needs the lease.

The admin screens count live `LEASE#` items (store/state.py `leases`); the counter is never shown.
"""

from __future__ import annotations

from typing import Any

from relay import clock, config
from suite import dynamo

COUNT_SK = "COUNT"
ATTEMPTS = 3
_NAMES = {"#n": "count"}


def _table() -> str:
    return config.get().state_table


def _pk(owner: str) -> str:
    return f"CONC#{owner}"


def take(owner: str, request_id: str, *, limit: int, ttl: int) -> bool:
    """One slot of `owner` for `request_id` (True), or False when `limit` live slots are taken."""
    table, pk = _table(), _pk(owner)
    for _ in range(ATTEMPTS):
        now = clock.epoch()
        tx = dynamo.Transaction()
        tx.update(table, pk, COUNT_SK, "ADD #n :one", condition="attribute_not_exists(#n) OR #n < :limit",
                  names=_NAMES, values={":one": 1, ":limit": int(limit)})
        tx.put(table, {"pk": pk, "sk": f"LEASE#{request_id}", "owner": owner, "request_id": request_id,
                       "created_at": now, "expires_at": now + int(ttl), "kind": "LEASE", "kind_order": owner},
               condition="attribute_not_exists(pk)")
        if tx.commit_if_conditions_hold():
            return True
        if not _repair(table, pk, now):
            return False
    return False


def give_back(owner: str, request_id: str) -> bool:
    """Free the slot `request_id` holds; False when its lease is gone (expired and repaired, or reset)."""
    table, pk = _table(), _pk(owner)
    tx = dynamo.Transaction()
    tx.delete(table, pk, f"LEASE#{request_id}", condition="attribute_exists(pk)")
    tx.update(table, pk, COUNT_SK, "ADD #n :minus", condition="#n > :zero", names=_NAMES,
              values={":minus": -1, ":zero": 0})
    return tx.commit_if_conditions_hold()


def _repair(table: str, pk: str, now: int) -> bool:
    """Drop expired leases and set the counter to the live ones; True when the caller should try again."""
    items = list(dynamo.query_partition(table, pk))
    counter = next((item for item in items if item["sk"] == COUNT_SK), None)
    counted = int((counter or {}).get("count", 0))
    leases = [item for item in items if item["sk"].startswith("LEASE#")]
    expired = [item for item in leases if int(item.get("expires_at") or 0) <= now]
    live = len(leases) - len(expired)
    if not expired and live >= counted:
        return False  # really full
    tx = dynamo.Transaction()
    condition = "#n = :seen" if counter is not None else "attribute_not_exists(#n)"
    values: dict[str, Any] = {":live": live, **({":seen": counted} if counter is not None else {})}
    tx.update(table, pk, COUNT_SK, "SET #n = :live", condition=condition, names=_NAMES, values=values)
    for item in expired[:90]:
        tx.delete(table, pk, item["sk"], condition="expires_at <= :now", values={":now": now})
    tx.commit_if_conditions_hold()  # lost a race: the next attempt reads again
    return True


def counted(owner: str) -> int:
    """The counter's value (tests and the admin's diagnostics; the screens count live leases)."""
    item = dynamo.get(_table(), _pk(owner), COUNT_SK)
    return int((item or {}).get("count", 0))
