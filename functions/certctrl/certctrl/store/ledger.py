"""The double-entry ledger in LedgerTable (docs/certctrl-money.md §2–3).

| item | pk | sk |
|---|---|---|
| account | `ACCT#<account>` | `BALANCE` (`currency`, `balance`, `available` = balance − floor, `floor`, `entries`) |
| entry | `ACCT#<account>` | `E#<txn id>` (`amount` signed, `currency`, `txn`, `kind`, `at_ms`) |
| journal transaction | `TXN#<txn id>` | `TXN` (`kind`, `legs`, `memo`, `reverses`, `reversed_by`) |
| idempotency record | `IDEM#<scope>` | `IDEM` (`fingerprint`, `outcome` done/refused, `result` or `error`, TTL) |
| account registry | `ACCOUNTS#<currency>` | `<account>` (what the audit enumerates, without a Scan) |

`post()` writes one movement as one TransactWriteItems: the idempotency record (condition: absent), per leg an
`ADD` to the account's balance (condition: the account exists and, for a debit of an account with a floor,
`available >= amount`) and the entry, the journal item, and the caller's business writes. Either all of it is
written or nothing; a concurrent writer can never make a balance lose an update or cross its floor.

System accounts (`sys:...`) have no floor and carry no `available`; every other account (wallets and their
`:due` accounts) has one.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from certctrl.models.ledger import Movement
from certctrl.store.money_common import Refused, Write, table
from suite import dynamo

CONFLICT_RETRIES = 8  # TransactionConflict: another transaction held one of our items; retry after a short wait
_opened: set[tuple[str, str]] = set()  # (table, account): an account known to exist in that table
_opened_lock = threading.Lock()
_jitter = random.Random()  # noqa: S311  (spreads retries; not a security control)


@dataclass(frozen=True)
class Posted:
    """What `post` answers: the result stored with the idempotency record, and whether this call wrote it
    (False: a retry of a key whose first request already posted; nothing moved this time)."""

    result: dict[str, Any]
    replayed: bool


# --- accounts ------------------------------------------------------------------------------------------------

def open_account(account: str, currency: str, *, floor: int | None, at_ms: int,
                 owner: Mapping[str, Any] | None = None) -> bool:
    """Create an account at balance 0 (False when it already exists: opening is idempotent). `floor` is the
    lowest balance allowed (0 for wallets, minus the credit limit for `:due` accounts), None for system accounts."""
    item: dict[str, Any] = {"pk": f"ACCT#{account}", "sk": "BALANCE", "account": account, "currency": currency,
                            "balance": 0, "entries": 0, "created_ms": at_ms, **dict(owner or {})}
    if floor is not None:
        item.update(floor=floor, available=-floor)
    tx = dynamo.Transaction()
    tx.put(table(), item, condition="attribute_not_exists(pk)")
    tx.put(table(), {"pk": f"ACCOUNTS#{currency}", "sk": account, "at_ms": at_ms})
    opened = tx.commit_if_conditions_hold()
    with _opened_lock:
        _opened.add((table(), account))
    return opened


def ensure_accounts(accounts: Iterable[tuple[str, str]], *, at_ms: int) -> None:
    """Open the system accounts a movement touches if they are new (once per execution environment)."""
    missing = [(a, c) for a, c in accounts if (table(), a) not in _opened]
    if not missing:
        return
    found = dynamo.batch_get(table(), [(f"ACCT#{a}", "BALANCE") for a, _ in missing])
    for account, currency in missing:
        if (f"ACCT#{account}", "BALANCE") not in found:
            open_account(account, currency, floor=None, at_ms=at_ms)
        with _opened_lock:
            _opened.add((table(), account))


def forget_opened() -> None:
    """Tests that empty the table."""
    with _opened_lock:
        _opened.clear()


def account(name: str) -> dict[str, Any] | None:
    return dynamo.get(table(), f"ACCT#{name}", "BALANCE")


def accounts(names: Sequence[str]) -> dict[str, dict[str, Any]]:
    found = dynamo.batch_get(table(), [(f"ACCT#{n}", "BALANCE") for n in names])
    return {item["account"]: item for item in found.values()}


def set_floor(name: str, new_floor: int) -> dict[str, Any]:
    """Move an account's floor (a wallet's credit limit changed), keeping `available = balance - floor`; refused
    (ValueError) when the balance is already below the new floor. Optimistic: retried if the floor moved."""
    for _ in range(CONFLICT_RETRIES):
        current = account(name)
        if current is None or "floor" not in current:
            raise KeyError(name)
        old = int(current["floor"])
        if new_floor == old:
            return current
        try:
            return dynamo.update(table(), f"ACCT#{name}", "BALANCE", "SET floor = :new ADD available :delta",
                                 condition="floor = :old AND balance >= :new",
                                 values={":new": new_floor, ":old": old, ":delta": old - new_floor}) or {}
        except Exception as exc:
            if not dynamo.is_condition_failure(exc):
                raise
            latest = account(name) or {}
            if int(latest.get("floor", old)) == old and int(latest.get("balance", 0)) < new_floor:
                raise ValueError("the balance is below the new floor") from None
    raise RuntimeError("the floor kept moving")


def entries(name: str, *, limit: int = 100, newest_first: bool = True,
            after: str | None = None) -> list[dict[str, Any]]:
    """An account's entries in time order (its history)."""
    condition = "pk = :pk AND begins_with(sk, :e)"
    values: dict[str, Any] = {":pk": f"ACCT#{name}", ":e": "E#"}
    request: dict[str, Any] = {"KeyConditionExpression": condition, "ConsistentRead": True,
                               "ScanIndexForward": not newest_first}
    if after:
        request["ExclusiveStartKey"] = dynamo.to_item({"pk": f"ACCT#{name}", "sk": f"E#{after}"})
    request["ExpressionAttributeValues"] = dynamo.expression_values(values)
    return dynamo.query_page(table(), 0, limit, **request)


def journal(txn_id: str) -> dict[str, Any] | None:
    return dynamo.get(table(), f"TXN#{txn_id}", "TXN")


def journals(txn_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    found = dynamo.batch_get(table(), [(f"TXN#{t}", "TXN") for t in txn_ids])
    return {item["txn_id"]: item for item in found.values()}


def registry(currency: str) -> list[str]:
    return [item["sk"] for item in dynamo.query_partition(table(), f"ACCOUNTS#{currency}")]


def idempotency_record(scope: str) -> dict[str, Any] | None:
    return dynamo.get(table(), f"IDEM#{scope}", "IDEM")


# --- posting -------------------------------------------------------------------------------------------------

def reversal_mark(original_txn: str, reversal_txn: str) -> Write:
    """The business write of a reversal: the original is reversed once, and only once."""
    return Write("original", "update", f"TXN#{original_txn}", "TXN", expression="SET reversed_by = :by",
                 condition="attribute_exists(pk) AND attribute_not_exists(reversed_by)",
                 values={":by": reversal_txn})


def post(move: Movement, *, txn_id: str, at_ms: int, result: Mapping[str, Any],
         idempotency: Any = None, writes: Sequence[Write] = ()) -> Posted:
    """Write `move` (already balanced by logic/ledger.py) with its business `writes` as one transaction.

    `idempotency` (models.ledger.Idempotency): the record joins the transaction, so a retried key answers the
    first `result` and moves nothing; a key reused for another request raises Refused(idempotency_conflict).
    Raises Refused(insufficient | no_account | write) when a condition failed; nothing is written then.
    """
    ensure_accounts([(leg.account, leg.currency) for leg in move.legs if leg.account.startswith("sys:")],
                    at_ms=at_ms)
    stored = {**dict(result), "txn_id": txn_id}
    for attempt in range(CONFLICT_RETRIES):
        tx, labels = _transaction(move, txn_id, at_ms, stored, idempotency=idempotency, writes=writes)
        try:
            tx.commit()
        except Exception as exc:
            reasons = dynamo.cancellation_reasons(exc)
            if dynamo.error_code(exc) != "TransactionCanceledException" or not reasons:
                raise
            if "ConditionalCheckFailed" not in reasons:
                if any(r in ("TransactionConflict", "ThrottlingError") for r in reasons) \
                        and attempt < CONFLICT_RETRIES - 1:
                    time.sleep(_jitter.uniform(0, 0.02 * 2**attempt))
                    continue
                raise
            return _refused(reasons, labels, idempotency)
        return Posted(stored, replayed=False)
    raise RuntimeError("unreachable")


def _transaction(move: Movement, txn_id: str, at_ms: int, stored: dict[str, Any], *, idempotency: Any,
                 writes: Sequence[Write]) -> tuple[dynamo.Transaction, list[tuple[str, str]]]:
    tx = dynamo.Transaction()
    labels: list[tuple[str, str]] = []
    if idempotency is not None:
        record: dict[str, Any] = {"pk": f"IDEM#{idempotency.scope}", "sk": "IDEM", "scope": idempotency.scope,
                                  "fingerprint": idempotency.fingerprint, "outcome": "done",
                                  "result": json.dumps(stored, separators=(",", ":")), "at_ms": at_ms}
        if idempotency.expires_at is not None:
            record["expires_at"] = idempotency.expires_at
        tx.put(table(), record, condition="attribute_not_exists(pk)")
        labels.append(("idempotency", ""))
    for leg in move.legs:
        has_floor = not leg.account.startswith("sys:")
        expression = "SET updated_ms = :now ADD balance :a, entries :one"
        condition = "attribute_exists(pk)"
        values: dict[str, Any] = {":a": leg.amount, ":one": 1, ":now": at_ms}
        if has_floor:
            expression += ", available :a"
            if leg.amount < 0:
                condition += " AND available >= :need"
                values[":need"] = -leg.amount
        if leg.account.endswith(":due") and leg.amount > 0:  # what a user owes never turns into credit
            condition += " AND balance <= :ceiling"
            values[":ceiling"] = -leg.amount
        tx.update(table(), f"ACCT#{leg.account}", "BALANCE", expression, condition=condition, values=values)
        labels.append(("leg", leg.account))
        tx.put(table(), {"pk": f"ACCT#{leg.account}", "sk": f"E#{txn_id}", "account": leg.account,
                         "txn": txn_id, "kind": move.kind, "currency": leg.currency, "amount": leg.amount,
                         "at_ms": at_ms}, condition="attribute_not_exists(pk)")
        labels.append(("entry", leg.account))
    tx.put(table(), {"pk": f"TXN#{txn_id}", "sk": "TXN", "txn_id": txn_id, "kind": move.kind, "at_ms": at_ms,
                     "legs": [{"account": leg.account, "currency": leg.currency, "amount": leg.amount}
                              for leg in move.legs],
                     "memo": dict(move.memo), "reverses": move.reverses,
                     "idempotency": idempotency.scope if idempotency is not None else None},
           condition="attribute_not_exists(pk)")
    labels.append(("journal", ""))
    for write in writes:
        write.add_to(tx)
        labels.append(("write", write.label))
    return tx, labels


def _refused(reasons: list[str], labels: list[tuple[str, str]], idempotency: Any) -> Posted:
    failed = [labels[i] for i, code in enumerate(reasons) if code == "ConditionalCheckFailed" and i < len(labels)]
    if ("idempotency", "") in failed and idempotency is not None:
        record = idempotency_record(idempotency.scope) or {}
        if record.get("fingerprint") != idempotency.fingerprint:
            raise Refused("idempotency_conflict", record=record)
        if record.get("outcome") == "refused":
            raise Refused("refused_before", record=record)
        return Posted(stored_result(record), replayed=True)
    for kind, name in failed:
        if kind == "leg":
            current = account(name)
            raise Refused("insufficient" if current else "no_account", account=name)
    for kind, name in failed:
        if kind == "write":
            raise Refused("write", label=name)
    raise Refused("write", label=failed[0][0] if failed else "unknown")


def keyed_write(idempotency: Any, result: Mapping[str, Any], writes: Sequence[Write], *, at_ms: int) -> Posted:
    """Business writes that move no money (a top-up order created) under an idempotency record, in one
    transaction: a retried key answers the first result and writes nothing."""
    record: dict[str, Any] = {"pk": f"IDEM#{idempotency.scope}", "sk": "IDEM", "scope": idempotency.scope,
                              "fingerprint": idempotency.fingerprint, "outcome": "done",
                              "result": json.dumps(dict(result), separators=(",", ":")), "at_ms": at_ms}
    if idempotency.expires_at is not None:
        record["expires_at"] = idempotency.expires_at
    tx = dynamo.Transaction()
    tx.put(table(), record, condition="attribute_not_exists(pk)")
    for write in writes:
        write.add_to(tx)
    try:
        tx.commit()
    except Exception as exc:
        reasons = dynamo.cancellation_reasons(exc)
        if not reasons or reasons[0] != "ConditionalCheckFailed":
            if dynamo.is_condition_failure(exc):
                failed = [w.label for w, code in zip(writes, reasons[1:], strict=False)
                          if code == "ConditionalCheckFailed"]
                raise Refused("write", label=failed[0] if failed else "unknown") from None
            raise
        return _refused(reasons, [("idempotency", "")], idempotency)
    return Posted(dict(result), replayed=False)


def stored_result(record: Mapping[str, Any]) -> dict[str, Any]:
    """The first result of a keyed request, exactly as it was answered (kept as JSON, so None fields stay)."""
    return json.loads(record.get("result") or "{}")


def remember_refusal(idempotency: Any, error: Mapping[str, Any], *, at_ms: int) -> dict[str, Any]:
    """Record that a keyed request was refused (insufficient funds, an expired quote), so its retries get the
    same answer; answers the record that stands (another request may have written the key first)."""
    record: dict[str, Any] = {"pk": f"IDEM#{idempotency.scope}", "sk": "IDEM", "scope": idempotency.scope,
                              "fingerprint": idempotency.fingerprint, "outcome": "refused", "error": dict(error),
                              "at_ms": at_ms}
    if idempotency.expires_at is not None:
        record["expires_at"] = idempotency.expires_at
    try:
        dynamo.put(table(), record, condition="attribute_not_exists(pk)")
    except Exception as exc:
        if not dynamo.is_condition_failure(exc):
            raise
        return idempotency_record(idempotency.scope) or record
    return record


# --- the audit -----------------------------------------------------------------------------------------------

def audit_data(currency: str) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]],
                                      dict[str, dict[str, Any]]]:
    """Every account of a currency, each one's entries, and the journal items those entries name (for
    logic.ledger.audit_problems). Reads the whole currency: an operator's check and the tests', not a request's."""
    names = registry(currency)
    balances = accounts(names)
    entries_of: dict[str, list[dict[str, Any]]] = {}
    txn_ids: set[str] = set()
    for name in names:
        entries_of[name] = list(dynamo.query_partition(table(), f"ACCT#{name}", prefix="E#"))
        txn_ids.update(e["txn"] for e in entries_of[name])
    journal_items = journals(sorted(txn_ids)) if txn_ids else {}
    return [balances[n] for n in names if n in balances], entries_of, journal_items
