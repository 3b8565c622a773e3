"""Price plans in LedgerTable: one partition `PLANS`, sort key `PLAN#<plan id>`; `MARKETS`/`MARKETS` holds which
currencies each plan is sold in (rebuilt by the markets reload)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from certctrl.store.money_common import table
from suite import dynamo


def plans() -> list[dict[str, Any]]:
    return list(dynamo.query_partition(table(), "PLANS", prefix="PLAN#"))


def plan(plan_id: str) -> dict[str, Any] | None:
    return dynamo.get(table(), "PLANS", f"PLAN#{plan_id}")


def create(plan_data: Mapping[str, Any]) -> bool:
    """False when a plan with this id exists."""
    return dynamo.put_if(table(), {"pk": "PLANS", "sk": f"PLAN#{plan_data['plan_id']}", **dict(plan_data)},
                         condition="attribute_not_exists(pk)")


def replace(plan_data: Mapping[str, Any], *, expected_version: int) -> bool:
    """Replace a plan if nobody changed it since `expected_version` (False otherwise, or when it is gone)."""
    return dynamo.put_if(table(), {"pk": "PLANS", "sk": f"PLAN#{plan_data['plan_id']}", **dict(plan_data)},
                         condition="attribute_exists(pk) AND version = :v", values={":v": expected_version})


def delete(plan_id: str) -> bool:
    return dynamo.delete_if(table(), "PLANS", f"PLAN#{plan_id}", condition="attribute_exists(pk)")


def put_markets(markets: Mapping[str, Any], *, at_ms: int) -> None:
    dynamo.put(table(), {"pk": "MARKETS", "sk": "MARKETS", "markets": dict(markets), "updated_ms": at_ms})


def markets() -> dict[str, Any] | None:
    return dynamo.get(table(), "MARKETS", "MARKETS")
