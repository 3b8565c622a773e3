"""Every admin write, recorded (docs/certctrl-money.md §8): LedgerTable `AUDIT#<yyyy-mm-dd>` / `<ms>#<random>`
(`actor`, `action`, `target`, `details`). A ledger transition writes its record in the same transaction."""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from typing import Any

from certctrl.store.money_common import Write, table
from suite import dynamo


def _item(actor: str, action: str, target: str, details: Mapping[str, Any], at_ms: int) -> tuple[str, str, dict]:
    day = time.strftime("%Y-%m-%d", time.gmtime(at_ms / 1000))
    sk = f"{at_ms:013d}#{secrets.token_hex(4)}"
    return f"AUDIT#{day}", sk, {"actor": actor, "action": action, "target": target, "details": dict(details),
                                "at_ms": at_ms}


def write(actor: str, action: str, target: str, details: Mapping[str, Any], *, at_ms: int) -> Write:
    pk, sk, item = _item(actor, action, target, details, at_ms)
    return Write("audit", "put", pk, sk, item=item)


def record(actor: str, action: str, target: str, details: Mapping[str, Any], *, at_ms: int) -> None:
    pk, sk, item = _item(actor, action, target, details, at_ms)
    dynamo.put(table(), {"pk": pk, "sk": sk, **item})


def day(date: str) -> list[dict[str, Any]]:
    """One UTC day's admin writes (`YYYY-MM-DD`), oldest first."""
    return list(dynamo.query_partition(table(), f"AUDIT#{date}"))
