"""A user's wallets and the records of what moved their money, in LedgerTable (docs/certctrl-money.md §3).

| item | pk | sk |
|---|---|---|
| wallet | `USER#<uid>` | `WALLET#<wallet id, 12 digits>` (currency, its two accounts, credit limit) |
| one wallet per currency | `USER#<uid>` | `WALLETCUR#<currency>` (→ wallet id) |
| charge | `USER#<uid>` | `CHARGE#<charge id, 12 digits>` (state paid / outstanding) |
| outstanding marker | `USER#<uid>` | `DUE#<wallet id>#<charge id>` (exists while the charge is unpaid) |
| conversion | `USER#<uid>` | `CONV#<conversion id, 12 digits>` (immutable) |
| payment | `USER#<uid>` | `PAY#<payment id, 12 digits>` (immutable) |
| current plan | `USER#<uid>` | `PLAN` |
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from certctrl.store import ledger
from certctrl.store.money_common import Write, next_id, table
from suite import dynamo


def _user(user_id: int) -> str:
    return f"USER#{user_id}"


def wallet_sk(wallet_id: int) -> str:
    return f"WALLET#{wallet_id:012d}"


# --- wallets -------------------------------------------------------------------------------------------------

def open_wallet(user_id: int, currency: str, *, credit_limit: int, at_ms: int) -> dict[str, Any]:
    """The user's wallet in `currency`, created with its two accounts (balance, floor 0; `:due`, floor minus the
    credit limit) in one transaction; an existing wallet is answered as it is."""
    existing = wallet_of(user_id, currency)
    if existing:
        return existing
    wallet_id = next_id("wallet")
    account, due = f"wallet:{wallet_id}", f"wallet:{wallet_id}:due"
    wallet = {"wallet_id": wallet_id, "user_id": user_id, "currency": currency, "account": account,
              "due_account": due, "credit_limit": credit_limit, "created_ms": at_ms}
    tx = dynamo.Transaction()
    tx.put(table(), {"pk": _user(user_id), "sk": f"WALLETCUR#{currency}", "wallet_id": wallet_id},
           condition="attribute_not_exists(pk)")
    tx.put(table(), {"pk": _user(user_id), "sk": wallet_sk(wallet_id), **wallet})
    owner = {"owner": user_id, "wallet_id": wallet_id}
    for name, floor in ((account, 0), (due, -credit_limit)):
        tx.put(table(), {"pk": f"ACCT#{name}", "sk": "BALANCE", "account": name, "currency": currency, "balance": 0,
                         "entries": 0, "floor": floor, "available": -floor, "created_ms": at_ms, **owner},
               condition="attribute_not_exists(pk)")
        tx.put(table(), {"pk": f"ACCOUNTS#{currency}", "sk": name, "at_ms": at_ms})
    if tx.commit_if_conditions_hold():
        return wallet
    return wallet_of(user_id, currency) or wallet  # another request opened it first


def wallet_of(user_id: int, currency: str) -> dict[str, Any] | None:
    claim = dynamo.get(table(), _user(user_id), f"WALLETCUR#{currency}")
    return wallet(user_id, int(claim["wallet_id"])) if claim else None


def wallet(user_id: int, wallet_id: int) -> dict[str, Any] | None:
    return dynamo.get(table(), _user(user_id), wallet_sk(wallet_id))


def wallets(user_id: int) -> list[dict[str, Any]]:
    return list(dynamo.query_partition(table(), _user(user_id), prefix="WALLET#"))


def set_credit_limit(user_id: int, wallet_id: int, credit_limit: int) -> dict[str, Any] | None:
    current = wallet(user_id, wallet_id)
    if current is None:
        return None
    ledger.set_floor(current["due_account"], -credit_limit)
    return dynamo.update(table(), _user(user_id), wallet_sk(wallet_id), "SET credit_limit = :limit",
                         values={":limit": credit_limit})


# --- charges -------------------------------------------------------------------------------------------------

def new_charge_id() -> int:
    return next_id("charge")


def charge_writes(user_id: int, charge: Mapping[str, Any]) -> list[Write]:
    """The charge's record (and, when it is outstanding, its marker), written with its movement."""
    writes = [Write("charge", "put", _user(user_id), f"CHARGE#{charge['charge_id']:012d}", item=dict(charge),
                    condition="attribute_not_exists(pk)")]
    if charge["state"] == "outstanding":
        writes.append(Write("due", "put", _user(user_id), _due_sk(charge["wallet_id"], charge["charge_id"]),
                            item={"charge_id": charge["charge_id"], "wallet_id": charge["wallet_id"],
                                  "amount": charge["amount"], "created_ms": charge["created_ms"]},
                            condition="attribute_not_exists(pk)"))
    return writes


def settle_writes(user_id: int, charge: Mapping[str, Any], txn_id: str, at_ms: int) -> list[Write]:
    """An outstanding charge paid: its state flips once (condition), its marker goes."""
    return [
        Write("charge", "update", _user(user_id), f"CHARGE#{charge['charge_id']:012d}",
              expression="SET #state = :paid, settled_txn = :txn, settled_ms = :now",
              condition="#state = :outstanding", names={"#state": "state"},
              values={":paid": "paid", ":outstanding": "outstanding", ":txn": txn_id, ":now": at_ms}),
        Write("due", "delete", _user(user_id), _due_sk(charge["wallet_id"], charge["charge_id"]),
              condition="attribute_exists(pk)"),
    ]


def _due_sk(wallet_id: int, charge_id: int) -> str:
    return f"DUE#{wallet_id:012d}#{charge_id:012d}"


def charge(user_id: int, charge_id: int) -> dict[str, Any] | None:
    return dynamo.get(table(), _user(user_id), f"CHARGE#{charge_id:012d}")


def outstanding(user_id: int, wallet_id: int) -> list[dict[str, Any]]:
    """The wallet's unpaid charges, oldest first (markers, then the charges they name)."""
    markers = list(dynamo.query_partition(table(), _user(user_id), prefix=f"DUE#{wallet_id:012d}#"))
    if not markers:
        return []
    found = dynamo.batch_get(table(), [(_user(user_id), f"CHARGE#{m['charge_id']:012d}") for m in markers])
    return [found[key] for m in markers if (key := (_user(user_id), f"CHARGE#{m['charge_id']:012d}")) in found]


# --- conversions, payments, plan -----------------------------------------------------------------------------

def record_write(user_id: int, kind: str, record_id: int, record: Mapping[str, Any]) -> Write:
    """An immutable record (`CONV`, `PAY`) written with its movement."""
    return Write(kind.lower(), "put", _user(user_id), f"{kind}#{record_id:012d}", item=dict(record),
                 condition="attribute_not_exists(pk)")


def record(user_id: int, kind: str, record_id: int) -> dict[str, Any] | None:
    return dynamo.get(table(), _user(user_id), f"{kind}#{record_id:012d}")


def records(user_id: int, kind: str, *, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    values = dynamo.expression_values({":pk": _user(user_id), ":p": f"{kind}#"})
    return dynamo.query_page(table(), offset, limit, KeyConditionExpression="pk = :pk AND begins_with(sk, :p)",
                             ExpressionAttributeValues=values, ScanIndexForward=False, ConsistentRead=True)


def plan_write(user_id: int, plan: Mapping[str, Any], *, expected_version: int) -> Write:
    """The user's current plan, replaced only if nobody replaced it since `expected_version` (0: none yet)."""
    return Write("plan", "put", _user(user_id), "PLAN", item={**dict(plan), "version": expected_version + 1},
                 condition="attribute_not_exists(pk) OR version = :v", values={":v": expected_version})


def current_plan(user_id: int) -> dict[str, Any] | None:
    return dynamo.get(table(), _user(user_id), "PLAN")
