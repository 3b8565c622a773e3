"""Wallets as ledger accounts: open, read, charge (paid or outstanding), settle what is outstanding, reverse a
posted movement, and audit the whole ledger (docs/certctrl-money.md §2, §4).

Every money-moving function takes the caller's `Idempotency-Key` (`key`): the idempotency record is written in
the same transaction as the movement, so a retry answers the first result and moves nothing; a refusal (not
enough money) is recorded too, so its retries are refused the same way; a key reused for a different request is
refused (422). Errors are suite.errors with `code="<status>"` (the certctrl convention).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from certctrl import clock, config
from certctrl.logic import ledger as rules
from certctrl.models.ledger import Idempotency, Movement
from certctrl.store import ledger as ledger_store
from certctrl.store import wallets as store
from certctrl.store.money_common import Refused, Write
from suite.errors import ApiError, BadRequest, Conflict, NotFound, UnprocessableEntity

CHANNELS = ("alipay", "wechatpay", "admin", "stablecoin-ethereum", "stablecoin-tron")


def now_ms() -> int:
    return int(clock.now() * 1000)


def payment_required(message: str) -> ApiError:
    return ApiError(message, code="402", status=402)


# --- running a movement --------------------------------------------------------------------------------------

def keyed(owner: str, operation: str, key: str | None, request: Mapping[str, Any]) -> Idempotency:
    """The idempotency record of one keyed request (400 when the header is missing or malformed)."""
    try:
        checked = rules.idempotency_key(key)
    except ValueError as exc:
        raise BadRequest(str(exc), code="400") from None
    days = config.money().idempotency_days
    return Idempotency(rules.idempotency_scope(owner, operation, checked), rules.fingerprint(request),
                       int(clock.now()) + days * 86400)


def replay(idem: Idempotency | None) -> dict[str, Any] | None:
    """A keyed request seen before: its first result (or its refusal, or 422 for another request under the same
    key), without touching the ledger. None when the key is new."""
    if idem is None:
        return None
    record = ledger_store.idempotency_record(idem.scope)
    if record is None:
        return None
    if record.get("fingerprint") != idem.fingerprint:
        raise _conflict()
    if record.get("outcome") == "refused":
        raise _stored_error(record)
    return ledger_store.stored_result(record)


def post(move: Movement, *, txn_id: str, at_ms: int, result: Mapping[str, Any], idem: Idempotency | None = None,
         writes: Sequence[Write] = (), refusals: Mapping[str, ApiError] | None = None,
         remember: bool = True, transient: Sequence[str] = ()) -> tuple[dict[str, Any], bool]:
    """Post a movement; map a refusal to the caller's error. `refusals` maps a business write's label (and
    'insufficient') to the error to answer; with `remember`, a keyed refusal is recorded for the key's retries
    (except refusals of the `transient` writes, which the caller retries itself). Answers (result, replayed)."""
    try:
        posted = ledger_store.post(move, txn_id=txn_id, at_ms=at_ms, result=result, idempotency=idem,
                                   writes=writes)
    except Refused as refused:
        error = _error_of(refused, refusals or {})
        if remember and idem is not None and refused.reason in ("insufficient", "write") \
                and refused.label not in transient:
            record = ledger_store.remember_refusal(idem, _describe(error), at_ms=at_ms)
            if record.get("fingerprint") != idem.fingerprint:
                raise _conflict() from None
            if record.get("outcome") == "done":  # the same request won a race: its result stands
                return ledger_store.stored_result(record), True
        raise error from None
    return posted.result, posted.replayed


def _error_of(refused: Refused, refusals: Mapping[str, ApiError]) -> ApiError:
    if refused.reason == "idempotency_conflict":
        return _conflict()
    if refused.reason == "refused_before":
        return _stored_error(refused.record)
    if refused.reason == "insufficient":
        return refusals.get("insufficient") or payment_required("insufficient funds")
    if refused.reason == "no_account":
        return NotFound("wallet not found", code="404")
    return refusals.get(refused.label or "") or Conflict("the request conflicts with the current state",
                                                         code="409")


def _conflict() -> ApiError:
    return UnprocessableEntity("this Idempotency-Key was used for a different request", code="422")


def _describe(error: ApiError) -> dict[str, Any]:
    return {"status": error.status, "code": error.code, "message": error.message}


def _stored_error(record: Mapping[str, Any]) -> ApiError:
    error = record.get("error") or {}
    return ApiError(error.get("message", "refused"), code=str(error.get("code", "409")),
                    status=int(error.get("status", 409)))


def shards() -> int:
    return config.money().system_shards


# --- wallets -------------------------------------------------------------------------------------------------

def currency_of(code: str) -> str:
    try:
        return rules.currency(code, config.money().currencies)
    except ValueError as exc:
        raise BadRequest(str(exc), code="400") from None


def open_wallet(user_id: int, code: str, *, credit_limit: int = 0) -> dict[str, Any]:
    return store.open_wallet(user_id, currency_of(code), credit_limit=credit_limit, at_ms=now_ms())


def own_wallet(user_id: int, wallet_id: int) -> dict[str, Any]:
    found = store.wallet(user_id, wallet_id)
    if found is None:
        raise NotFound("wallet not found", code="404")
    return found


def view(found: Mapping[str, Any], balances: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """A wallet as the API shows it: amounts in minor units with their display form."""
    balances = balances or ledger_store.accounts([found["account"], found["due_account"]])
    code = found["currency"]
    balance = int(balances.get(found["account"], {}).get("balance", 0))
    owed = -int(balances.get(found["due_account"], {}).get("balance", 0))
    return {"id": found["wallet_id"], "user_id": found["user_id"], "currency": code, "balance": balance,
            "balance_display": rules.to_major(balance, code), "outstanding": owed,
            "outstanding_display": rules.to_major(owed, code), "credit_limit": int(found.get("credit_limit", 0)),
            "created_at": found.get("created_ms")}


def list_wallets(user_id: int) -> list[dict[str, Any]]:
    found = store.wallets(user_id)
    names = [name for w in found for name in (w["account"], w["due_account"])]
    balances = ledger_store.accounts(names) if names else {}
    return [view(w, balances) for w in found]


def get_wallet(user_id: int, wallet_id: int) -> dict[str, Any]:
    return view(own_wallet(user_id, wallet_id))


def set_credit_limit(user_id: int, wallet_id: int, credit_limit: int) -> dict[str, Any]:
    if isinstance(credit_limit, bool) or not isinstance(credit_limit, int) or not 0 <= credit_limit <= rules.MAX_AMOUNT:
        raise BadRequest("credit_limit is an amount in minor units", code="400")
    own_wallet(user_id, wallet_id)
    try:
        store.set_credit_limit(user_id, wallet_id, credit_limit)
    except ValueError:
        raise Conflict("more than this limit is already outstanding", code="409") from None
    return get_wallet(user_id, wallet_id)


def history(user_id: int, wallet_id: int, *, limit: int = 100) -> list[dict[str, Any]]:
    """The wallet's entries, newest first."""
    found = own_wallet(user_id, wallet_id)
    return [{"txn_id": e["txn"], "kind": e["kind"], "amount": e["amount"], "currency": e["currency"],
             "at": e["at_ms"]} for e in ledger_store.entries(found["account"], limit=limit)]


# --- charges -------------------------------------------------------------------------------------------------

def charge_view(charge: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": charge["charge_id"], "wallet_id": charge["wallet_id"], "currency": charge["currency"],
            "amount": charge["amount"], "amount_display": rules.to_major(charge["amount"], charge["currency"]),
            "description": charge.get("description", ""), "reference": charge.get("reference"),
            "state": charge["state"], "txn_id": charge.get("txn_id"), "created_at": charge["created_ms"],
            "settled_at": charge.get("settled_ms")}


def issue_charge(user_id: int, wallet_id: int, value: int, *, key: str | None, description: str = "",
                 reference: str | None = None, allow_outstanding: bool = False) -> dict[str, Any]:
    """Charge a wallet. Paid at once when the balance covers it; otherwise, with `allow_outstanding`, recorded as
    outstanding against the wallet's credit limit (the `:due` account's floor); otherwise 402."""
    try:
        value = rules.amount(value)
    except ValueError as exc:
        raise BadRequest(str(exc), code="400") from None
    found = own_wallet(user_id, wallet_id)
    idem = keyed(f"user:{user_id}", "charge", key, {"wallet": wallet_id, "amount": value,
                                                     "description": description, "reference": reference,
                                                     "allow_outstanding": allow_outstanding})
    seen = replay(idem)
    if seen is not None:
        return seen
    code, at = found["currency"], now_ms()
    charge_id = store.new_charge_id()
    base = {"charge_id": charge_id, "wallet_id": wallet_id, "user_id": user_id, "currency": code, "amount": value,
            "description": description[:500], "reference": reference, "created_ms": at}
    attempts: list[tuple[str, Callable[[str], Movement]]] = [
        ("paid", lambda txn: rules.charge(found["account"], code, value, rules.shard_for(txn, shards()),
                                          {"charge_id": charge_id, "user_id": user_id}))]
    if allow_outstanding:
        attempts.append(("outstanding", lambda txn: rules.outstanding_charge(
            found["due_account"], code, value, rules.shard_for(txn, shards()),
            {"charge_id": charge_id, "user_id": user_id})))
    for index, (state, build) in enumerate(attempts):
        txn_id = rules.new_txn_id(at)
        charge = {**base, "state": state, "txn_id": txn_id}
        last = index == len(attempts) - 1
        try:
            result, _ = post(build(txn_id), txn_id=txn_id, at_ms=at, result=charge_view(charge), idem=idem,
                             writes=store.charge_writes(user_id, charge),
                             refusals={"insufficient": payment_required(
                                 "insufficient funds" if state == "paid" else "credit limit reached")},
                             remember=last)
        except ApiError as error:
            if error.status == 402 and not last:
                continue
            raise
        return result
    raise RuntimeError("unreachable")


def outstanding_charges(user_id: int, wallet_id: int) -> list[dict[str, Any]]:
    own_wallet(user_id, wallet_id)
    return [charge_view(c) for c in store.outstanding(user_id, wallet_id)]


def settle_outstanding(user_id: int, wallet_id: int) -> list[dict[str, Any]]:
    """Pay outstanding charges, oldest first, while the balance covers them (after a top-up). Each charge flips
    once (its state is the condition), so concurrent or repeated runs never pay one twice."""
    found = own_wallet(user_id, wallet_id)
    paid: list[dict[str, Any]] = []
    for charge in store.outstanding(user_id, wallet_id):
        at = now_ms()
        txn_id = rules.new_txn_id(at)
        move = rules.settle_outstanding(found["account"], found["due_account"], found["currency"],
                                        int(charge["amount"]), {"charge_id": charge["charge_id"]})
        settled = {**charge, "state": "paid", "settled_txn": txn_id, "settled_ms": at}
        try:
            post(move, txn_id=txn_id, at_ms=at, result=charge_view(settled),
                 writes=store.settle_writes(user_id, charge, txn_id, at), remember=False)
        except ApiError as error:
            if error.status == 402:
                break  # not enough yet: the rest stays outstanding
            if error.status == 409:
                continue  # settled by a concurrent run
            raise
        paid.append(charge_view(settled))
    return paid


# --- reversal ------------------------------------------------------------------------------------------------

def reverse(txn_id: str, *, reason: str, actor: str, writes: Sequence[Write] = (),
            refusals: Mapping[str, ApiError] | None = None) -> dict[str, Any]:
    """Post the exact opposite of a transaction, once: the original is marked `reversed_by` in the same
    transaction. 409 when it was reversed already, or when a debited wallet no longer holds the money."""
    original = ledger_store.journal(txn_id)
    if original is None:
        raise NotFound("transaction not found", code="404")
    if original.get("reversed_by"):
        raise Conflict("the transaction was reversed already", code="409")
    if original.get("kind") in ("reversal", "charge_outstanding", "settle_outstanding"):
        raise Conflict(f"a {original.get('kind')} movement is not reversed on its own", code="409")
    at = now_ms()
    new_txn = rules.new_txn_id(at)
    move = rules.reversal(txn_id, [rules.Leg(leg["account"], leg["currency"], int(leg["amount"]))
                                   for leg in original["legs"]], {"reason": reason[:500], "actor": actor})
    errors = {"insufficient": Conflict("the money was already spent: the wallet cannot give it back", code="409"),
              "original": Conflict("the transaction was reversed already", code="409"), **dict(refusals or {})}
    result, _ = post(move, txn_id=new_txn, at_ms=at, result={"reverses": txn_id, "kind": "reversal"},
                     writes=[ledger_store.reversal_mark(txn_id, new_txn), *writes], refusals=errors, remember=False)
    return result


# --- audit ---------------------------------------------------------------------------------------------------

def audit(currencies: Iterable[str] | None = None) -> dict[str, Any]:
    """The whole ledger checked: every currency sums to zero, every balance equals its entries, every journal
    transaction balances and matches its entries. Reads everything: for operators and tests."""
    checks: list[rules.AccountCheck] = []
    journal: dict[str, Mapping[str, Any]] = {}
    by_txn: dict[str, list[tuple[str, int]]] = {}
    totals: dict[str, int] = {}
    for code in currencies or config.money().currencies:
        balances, entries_of, journal_items = ledger_store.audit_data(code)
        journal.update(journal_items)
        for item in balances:
            entries = entries_of.get(item["account"], [])
            checks.append(rules.AccountCheck(
                account=item["account"], currency=item["currency"], balance=int(item["balance"]),
                entries_sum=sum(int(e["amount"]) for e in entries), entries=int(item.get("entries", 0)),
                entries_counted=len(entries), available=item.get("available"), floor=item.get("floor")))
            totals[code] = totals.get(code, 0) + int(item["balance"])
            for e in entries:
                by_txn.setdefault(e["txn"], []).append((item["account"], int(e["amount"])))
    problems = rules.audit_problems(checks, journal, by_txn)
    return {"ok": not problems, "problems": problems, "totals": totals, "accounts": len(checks),
            "transactions": len(journal)}
