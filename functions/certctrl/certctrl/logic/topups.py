"""Top-ups, whatever their channel: the order, the credit (exactly once), the user's lists, and the admin's
settle / reject / reactivate, each a ledger transition (docs/certctrl-money.md §6).

    pending ──credit──▶ succeeded ──reject (reversal)──▶ reversed
       │  ╲                                                  │
       │   review ──settle──▶ succeeded                      │
       ├──reject──▶ rejected ──reactivate──▶ pending ◀───────┘ (reactivate)
       └──closed──▶ failed ───reactivate──▶ pending

A channel's credit carries the channel's trade number: its idempotency record (`trade:<channel>:<trade no>`, kept
forever) joins the movement, so one payment credits once even if its notify comes a hundred times, and a second
top-up can never be credited with it. Every credit also needs the top-up in `pending` or `review` (the
condition of its state change), so a top-up is credited once per activation, whoever tries.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from certctrl import config
from certctrl.logic import ledger as rules
from certctrl.logic import wallets
from certctrl.models.ledger import Idempotency
from certctrl.store import admin_audit
from certctrl.store import topups as store
from certctrl.store.money_common import run_writes
from suite.errors import ApiError, BadRequest, Conflict, NotFound
from suite.observability import logger

CREDITABLE = ("pending", "review")


def out_trade_no(topup_id: int) -> str:
    return f"{config.money().trade_prefix}{topup_id:012d}"


def topup_id_of(trade_no: str | None) -> int | None:
    prefix = config.money().trade_prefix
    if not trade_no or not trade_no.startswith(prefix) or not trade_no[len(prefix):].isdigit():
        return None
    return int(trade_no[len(prefix):])


def by_trade_no(trade_no: str | None, channel: str) -> dict[str, Any] | None:
    topup_id = topup_id_of(trade_no)
    found = store.get(topup_id) if topup_id is not None else None
    if found is None or found.get("channel") != channel or found.get("out_trade_no") != trade_no:
        return None
    return found


def view(topup: Mapping[str, Any]) -> dict[str, Any]:
    code = topup["currency"]
    amount = topup.get("amount")
    shown: dict[str, Any] = {
        "id": topup["topup_id"], "wallet_id": topup["wallet_id"], "currency": code, "amount": amount,
        "amount_display": rules.to_major(int(amount), code) if amount else None, "channel": topup["channel"],
        "state": topup["state"], "out_trade_no": topup.get("out_trade_no"), "created_at": topup["created_ms"],
        "expires_at": topup.get("expires_ms"),
        "expired": topup["state"] == "pending" and bool(topup.get("expires_ms"))
        and wallets.now_ms() > int(topup["expires_ms"]),
        "credited_amount": topup.get("credited_amount"), "credited_at": topup.get("credited_ms"),
        "txn_id": topup.get("txn_id"), "note": topup.get("note")}
    for extra in ("pay_url", "code_url", "chain", "address", "token", "tx_hash"):
        if topup.get(extra):
            shown[extra] = topup[extra]
    return shown


def new_topup(user_id: int, wallet: Mapping[str, Any], channel: str, amount: int | None,
              **fields: Any) -> dict[str, Any]:
    topup_id = store.new_id()
    at = wallets.now_ms()
    return {"topup_id": topup_id, "user_id": user_id, "wallet_id": wallet["wallet_id"],
            "currency": wallet["currency"], "amount": amount, "channel": channel, "state": "pending",
            "out_trade_no": out_trade_no(topup_id), "created_ms": at, "updated_ms": at,
            "expires_ms": at + config.money().payment_expiry_minutes * 60_000, **fields}


def clearing_channel(topup: Mapping[str, Any]) -> str:
    if topup["channel"] == "stablecoin":
        return f"stablecoin-{topup['chain']}"
    return topup["channel"]


# --- credit --------------------------------------------------------------------------------------------------

def credit(topup: Mapping[str, Any], *, amount: int, trade_no: str | None, actor: str | None = None,
           reason: str = "", fields: Mapping[str, Any] | None = None) -> str:
    """Credit a top-up's wallet with `amount`, exactly once. `trade_no`: the channel's own number of the payment
    (None for an admin settle). Answers credited | already (this trade credited before: nothing moved) |
    not_creditable (the top-up is not pending or under review: nothing moved) | trade_conflict."""
    at = wallets.now_ms()
    txn_id = rules.new_txn_id(at)
    channel = clearing_channel(topup)
    move = rules.topup(rules.wallet_account(int(topup["wallet_id"])), topup["currency"], amount, channel=channel,
                       shard=rules.shard_for(txn_id, wallets.shards()),
                       memo={"topup_id": topup["topup_id"], "trade_no": trade_no, "actor": actor})
    idem = None
    if trade_no is not None:
        idem = Idempotency(f"trade:{topup['channel']}:{trade_no}",
                           rules.fingerprint({"topup": topup["topup_id"], "amount": amount}), None)
    writes = [store.transition(int(topup["topup_id"]), CREDITABLE, "succeeded", at_ms=at, fields={
        "txn_id": txn_id, "credited_amount": amount, "credited_ms": at, "channel_trade_no": trade_no,
        **dict(fields or {})})]
    if actor is not None:
        writes.append(admin_audit.write(actor, "topup.settle", f"topup:{topup['topup_id']}",
                                        {"amount": amount, "reason": reason, "txn_id": txn_id}, at_ms=at))
    marker = Conflict("not creditable", code="409")
    try:
        _, replayed = wallets.post(move, txn_id=txn_id, at_ms=at, result={"topup_id": topup["topup_id"]},
                                   idem=idem, writes=writes, refusals={"topup": marker}, remember=False)
    except ApiError as error:
        if error is marker:
            return "not_creditable"
        if error.status == 422:
            logger().warning("a channel trade number arrived for another top-up or amount",
                           extra={"topup_id": topup["topup_id"], "channel": topup["channel"]})
            return "trade_conflict"
        raise
    if replayed:
        return "already"
    _settle_quietly(int(topup["user_id"]), int(topup["wallet_id"]))
    return "credited"


def _settle_quietly(user_id: int, wallet_id: int) -> None:
    """Money arrived: pay what is outstanding. A failure here never undoes the credit (the next top-up or the
    settle route pays it)."""
    try:
        wallets.settle_outstanding(user_id, wallet_id)
    except Exception:
        logger().exception("settling outstanding charges after a top-up failed", extra={"wallet_id": wallet_id})


def review(topup: Mapping[str, Any], note: str, fields: Mapping[str, Any] | None = None) -> bool:
    """A genuine payment that does not match its order (another amount): an admin decides (settle or reject)."""
    return store.apply(store.transition(int(topup["topup_id"]), ("pending",), "review", at_ms=wallets.now_ms(),
                                        fields={"note": note[:500], **dict(fields or {})}))


def close(topup: Mapping[str, Any], note: str) -> bool:
    """The channel closed the trade unpaid."""
    return store.apply(store.transition(int(topup["topup_id"]), ("pending",), "failed", at_ms=wallets.now_ms(),
                                        fields={"note": note[:500]}))


# --- a user's top-ups ----------------------------------------------------------------------------------------

def of_user(user_id: int, *, wallet_id: int | None = None, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    found = store.of_user(user_id, limit=limit if wallet_id is None else 1000, offset=offset)
    if wallet_id is not None:
        found = [t for t in found if int(t["wallet_id"]) == wallet_id][:limit]
    return [view(t) for t in found]


def history(user_id: int, *, limit: int = 100) -> list[dict[str, Any]]:
    """Top-ups that moved money (credited, or credited and reversed), newest first."""
    return [t for t in of_user(user_id, limit=1000) if t["state"] in ("succeeded", "reversed")][:limit]


def get(user_id: int, topup_id: int, *, wallet_id: int | None = None) -> dict[str, Any]:
    found = store.get(topup_id)
    if found is None or int(found["user_id"]) != user_id or (wallet_id is not None
                                                             and int(found["wallet_id"]) != wallet_id):
        raise NotFound("top-up not found", code="404")
    return view(found)


# --- the admin's transitions ---------------------------------------------------------------------------------

def admin_list(state: str | None = None, *, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    if state is not None and state not in store.STATES:
        raise BadRequest(f"state is one of {', '.join(store.STATES)}", code="400")
    states = [state] if state else list(store.STATES)
    found: list[dict[str, Any]] = []
    for one in states:
        found += store.in_state(one, limit=limit + offset)
    found.sort(key=lambda t: (t["created_ms"], t["topup_id"]), reverse=True)
    return [{**view(t), "user_id": t["user_id"]} for t in found[offset:offset + limit]]


def _admin_topup(topup_id: int) -> dict[str, Any]:
    found = store.get(topup_id)
    if found is None:
        raise NotFound("top-up not found", code="404")
    return found


def settle(topup_id: int, actor: str, *, amount: int | None = None, reason: str = "") -> dict[str, Any]:
    """Credit a pending or reviewed top-up by hand (a notify that never came, a deposit of another amount)."""
    topup = _admin_topup(topup_id)
    value = amount if amount is not None else topup.get("received_amount") or topup.get("amount")
    try:
        value = rules.amount(value)
    except ValueError:
        raise BadRequest("settle needs an amount for this top-up", code="400") from None
    outcome = credit(topup, amount=value, trade_no=None, actor=actor, reason=reason)
    if outcome != "credited":
        raise Conflict(f"the top-up is {_admin_topup(topup_id)['state']}: nothing to settle", code="409")
    return view(_admin_topup(topup_id))


def reject(topup_id: int, actor: str, *, reason: str = "") -> dict[str, Any]:
    """A pending or reviewed top-up is rejected (nothing was credited); a succeeded one is reversed (the
    wallet gives the money back: 409 when it was spent)."""
    topup = _admin_topup(topup_id)
    at = wallets.now_ms()
    if topup["state"] == "succeeded":
        wallets.reverse(str(topup["txn_id"]), reason=reason or "top-up rejected", actor=actor, writes=[
            store.transition(topup_id, ("succeeded",), "reversed", at_ms=at, fields={"note": reason[:500]}),
            admin_audit.write(actor, "topup.reject", f"topup:{topup_id}", {"reason": reason, "reversed": True},
                              at_ms=at)],
            refusals={"topup": Conflict("the top-up changed meanwhile", code="409")})
        return view(_admin_topup(topup_id))
    refused = run_writes([
        store.transition(topup_id, CREDITABLE, "rejected", at_ms=at, fields={"note": reason[:500]}),
        admin_audit.write(actor, "topup.reject", f"topup:{topup_id}", {"reason": reason}, at_ms=at)])
    if refused:
        raise Conflict(f"the top-up is {_admin_topup(topup_id)['state']}: it cannot be rejected", code="409")
    return view(_admin_topup(topup_id))


def reactivate(topup_id: int, actor: str, *, reason: str = "") -> dict[str, Any]:
    """A rejected, failed or reversed top-up becomes pending again (a late payment): it can then be credited
    again by a new payment or an admin settle (a channel trade already credited never credits twice)."""
    at = wallets.now_ms()
    refused = run_writes([
        store.transition(topup_id, ("rejected", "failed", "reversed"), "pending", at_ms=at,
                         fields={"note": reason[:500], "reactivated_ms": at,
                                 "expires_ms": at + config.money().payment_expiry_minutes * 60_000}),
        admin_audit.write(actor, "topup.reactivate", f"topup:{topup_id}", {"reason": reason}, at_ms=at)])
    if refused:
        found = store.get(topup_id)
        if found is None:
            raise NotFound("top-up not found", code="404")
        raise Conflict(f"the top-up is {found['state']}: it cannot be reactivated", code="409")
    return view(_admin_topup(topup_id))
