"""What the money store modules share: LedgerTable's name, id counters, the business writes that join a ledger
transaction, and the errors of a refused transaction (docs/certctrl-money.md §3)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from certctrl import config
from suite import dynamo


def table() -> str:
    return config.money().require("ledger_table")


def catalog() -> str:
    return config.money().require("catalog_table")


def next_id(kind: str) -> int:
    """Integer ids (wallets, top-ups, charges, conversions, payments, keyrings): one atomic counter per kind."""
    item = dynamo.update(table(), f"SEQ#{kind}", "SEQ", "ADD #value :one", names={"#value": "value"},
                         values={":one": 1})
    return int(item["value"])


@dataclass(frozen=True)
class Write:
    """One business write inside a ledger transaction (a top-up marked credited, a quote used, a charge
    recorded), with its condition; `label` names it when its condition is what refused the transaction."""

    label: str
    action: str  # put | update | delete | check
    pk: str
    sk: str
    item: Mapping[str, Any] | None = None
    expression: str | None = None
    condition: str | None = None
    names: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Any] = field(default_factory=dict)
    table: str | None = None

    def add_to(self, tx: dynamo.Transaction) -> None:
        name = self.table or table()
        names = dict(self.names) or None
        values = dict(self.values) or None
        if self.action == "put":
            tx.put(name, {"pk": self.pk, "sk": self.sk, **dict(self.item or {})}, condition=self.condition,
                   names=names, values=values)
        elif self.action == "update":
            tx.update(name, self.pk, self.sk, self.expression or "", condition=self.condition, names=names,
                      values=values)
        elif self.action == "delete":
            tx.delete(name, self.pk, self.sk, condition=self.condition, names=names, values=values)
        elif self.action == "check":
            tx.check(name, self.pk, self.sk, self.condition or "attribute_exists(pk)", names=names, values=values)
        else:
            raise ValueError(f"unknown write {self.action!r}")


class Refused(Exception):
    """A ledger transaction that wrote nothing. `reason`: insufficient (a debited account lacks the funds),
    no_account (an account does not exist), write (a business write's condition failed: `label`),
    idempotency_conflict (the key was used for another request), refused_before (the key's first request was
    refused: `record['error']`)."""

    def __init__(self, reason: str, *, account: str | None = None, label: str | None = None,
                 record: Mapping[str, Any] | None = None) -> None:
        super().__init__(f"{reason} {account or label or ''}".strip())
        self.reason = reason
        self.account = account
        self.label = label
        self.record = dict(record or {})


def run_writes(writes: list[Write]) -> str | None:
    """Business writes alone, all or nothing: None when written, else the label of the first refused one."""
    tx = dynamo.Transaction()
    for write in writes:
        write.add_to(tx)
    try:
        tx.commit()
    except Exception as exc:
        if not dynamo.is_condition_failure(exc):
            raise
        reasons = dynamo.cancellation_reasons(exc)
        failed = [w.label for w, code in zip(writes, reasons, strict=False) if code == "ConditionalCheckFailed"]
        return failed[0] if failed else (writes[0].label if writes else "unknown")
    return None
