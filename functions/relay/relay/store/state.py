"""Runtime state in RelayStateTable (TTL `expires_at`; DynamoDB deletes expired items lazily, so every read
checks `expires_at` too): sticky sessions, concurrency leases, unavailable marks, OAuth sessions and token
handles, the health-check run record. The proxy (issue 15) writes sessions and leases with these keys."""

from __future__ import annotations

from typing import Any

from relay import clock, config
from suite import dynamo


def _table() -> str:
    return config.get().state_table


def _live(item: dict[str, Any] | None, now: float | None = None) -> dict[str, Any] | None:
    if item is None:
        return None
    expires = item.get("expires_at")
    return item if expires is None or expires > (now or clock.now()) else None


def _kind(kind: str) -> list[dict[str, Any]]:
    now = clock.now()
    items = dynamo.query(_table(), IndexName="byKind", KeyConditionExpression="kind = :k",
                         ExpressionAttributeValues=dynamo.expression_values({":k": kind}))
    return [item for item in items if _live(item, now)]


def take(pk: str, sk: str) -> dict[str, Any] | None:
    """Delete an item and return it if it was live: single use."""
    answer = dynamo.client().delete_item(TableName=_table(), Key=dynamo.key(pk, sk), ReturnValues="ALL_OLD")
    return _live(dynamo.from_item(answer.get("Attributes")))


def put(pk: str, sk: str, fields: dict[str, Any], *, ttl: int, kind: str | None = None,
        kind_order: str | None = None) -> None:
    item = {"pk": pk, "sk": sk, **fields, "expires_at": clock.epoch() + ttl}
    if kind:
        item.update({"kind": kind, "kind_order": kind_order or pk})
    dynamo.put(_table(), item)


def get(pk: str, sk: str) -> dict[str, Any] | None:
    return _live(dynamo.get(_table(), pk, sk))


def delete(pk: str, sk: str) -> None:
    dynamo.delete(_table(), pk, sk)


# --- sticky sessions (pk `SESSION#<id>`; kind SESSION, kind_order `<account>#<id>`) ---------------------------

def sessions() -> list[dict[str, Any]]:
    return _kind("SESSION")


def put_session(session_id: str, *, account_id: int, user_id: int | None, api_key_id: int | None,
                ttl: int, created_at: float | None = None, **details: Any) -> None:
    """Bind a sticky session to an account (a renewal keeps `created_at`); `details`: model, platform,
    client_ip, last_used_at (what the admin's cache screens show)."""
    put(f"SESSION#{session_id}", "SESSION", {"session_id": session_id, "account_id": account_id,
                                             "user_id": user_id, "api_key_id": api_key_id,
                                             "created_at": created_at or clock.now(), **details},
        ttl=ttl, kind="SESSION", kind_order=f"{account_id}#{session_id}")


def session(session_id: str) -> dict[str, Any] | None:
    return get(f"SESSION#{session_id}", "SESSION")


def delete_sessions(items: list[dict[str, Any]]) -> int:
    dynamo.batch_delete(_table(), [(item["pk"], item["sk"]) for item in items])
    return len(items)


# --- concurrency leases (pk `CONC#A#<aid>` / `CONC#U#<uid>`, sk `LEASE#<request>`) ------------------------------

def leases(owner: str) -> list[dict[str, Any]]:
    """The live leases of `owner` (the slot counter beside them, store/leases.py, is not one)."""
    now = clock.now()
    return [item for item in dynamo.query_partition(_table(), f"CONC#{owner}", prefix="LEASE#") if _live(item, now)]


def put_lease(owner: str, request_id: str, *, ttl: int) -> None:
    put(f"CONC#{owner}", f"LEASE#{request_id}", {"owner": owner, "request_id": request_id}, ttl=ttl, kind="LEASE",
        kind_order=owner)


def clear_leases(owner: str) -> int:
    every = list(dynamo.query_partition(_table(), f"CONC#{owner}"))
    dynamo.batch_delete(_table(), [(item["pk"], item["sk"]) for item in every])
    return len([item for item in every if item["sk"].startswith("LEASE#")])


def all_leases() -> list[dict[str, Any]]:
    return _kind("LEASE")


# --- unavailable marks (pk `UNAVAIL#<aid>`, kind UNAVAIL) -----------------------------------------------------

def mark_unavailable(account_id: int, reason: str, seconds: int) -> dict[str, Any]:
    until = clock.epoch() + seconds
    put(f"UNAVAIL#{account_id}", "MARK", {"account_id": account_id, "reason": reason, "until": until,
                                          "created_at": clock.now()},
        ttl=seconds, kind="UNAVAIL", kind_order=f"{account_id:012d}")
    return {"account_id": account_id, "reason": reason, "until": until}


def unavailable_marks() -> list[dict[str, Any]]:
    return _kind("UNAVAIL")


def clear_unavailable(account_id: int) -> None:
    delete(f"UNAVAIL#{account_id}", "MARK")


# --- single-flight locks (pk `LOCK#<name>`; e.g. one OAuth token refresh per account at a time) -----------------

def take_lock(name: str, token: str, *, seconds: int) -> bool:
    """The lock `name` for `seconds` (True), unless another holder's lock is still live."""
    now = clock.epoch()
    return dynamo.put_if(_table(), {"pk": f"LOCK#{name}", "sk": "LOCK", "token": token, "expires_at": now + seconds},
                         condition="attribute_not_exists(pk) OR expires_at <= :now", values={":now": now})


def release_lock(name: str, token: str) -> None:
    """Give the lock back, if it is still ours."""
    try:
        dynamo.delete(_table(), f"LOCK#{name}", "LOCK", condition="#t = :token", names={"#t": "token"},
                      values={":token": token})
    except Exception as exc:
        if not dynamo.is_condition_failure(exc):
            raise
