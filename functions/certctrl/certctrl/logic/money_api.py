"""What the wallets, payments and admin routes add to the money engines (docs/certctrl-money.md §9): pages with
totals, the wallets a user sees, the admin's users, and `Idempotency-Key` on the admin's ledger transitions.

The engines (logic/wallets, pricing, topups, payments, stablecoin) decide every rule; this module only shapes
lists and calls them. Every admin write is recorded in the admin audit (store/admin_audit), by the engines or here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from certctrl import config
from certctrl.logic import accounts, pricing, stablecoin, topups, wallets
from certctrl.store import admin_audit, money_lists, users
from certctrl.store import admin_users as admin_users_store
from certctrl.store import ledger as ledger_store
from certctrl.store import topups as topup_store
from certctrl.store import wallets as wallet_store
from certctrl.store.money_common import Refused
from suite.errors import ApiError, BadRequest, NotFound

MAX_SCAN = 1000  # a user's top-ups read to filter them by wallet or state


def actor(user_id: int) -> str:
    return f"admin:{user_id}"


# --- a user's wallets ----------------------------------------------------------------------------------------

def user_wallets(user_id: int) -> list[dict[str, Any]]:
    """The user's wallets, one per currency of WALLET_CURRENCIES: a currency without one gets it now (empty, no
    credit limit), so a new user can top up and convert at once. Opening is idempotent under concurrency."""
    held = {w["currency"] for w in wallet_store.wallets(user_id)}
    missing = [code for code in config.money().currencies if code not in held]
    for code in missing:
        wallets.open_wallet(user_id, code)
    return wallets.list_wallets(user_id)


def wallet_topups(user_id: int, wallet_id: int, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    wallets.own_wallet(user_id, wallet_id)
    found = topups.of_user(user_id, wallet_id=wallet_id, limit=MAX_SCAN)
    return found[offset:offset + limit], len(found)


def user_topups(user_id: int, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    return topups.of_user(user_id, limit=limit, offset=offset), money_lists.user_topups(user_id)


def topup_history(user_id: int, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    found = topups.history(user_id, limit=MAX_SCAN)
    return found[offset:offset + limit], len(found)


def conversions(user_id: int, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    return pricing.conversions(user_id, limit=limit, offset=offset), money_lists.user_records(user_id, "CONV")


def conversion(user_id: int, conversion_id: str) -> dict[str, Any]:
    return pricing.conversion(user_id, _number(conversion_id, "conversion"))


def payment(user_id: int, payment_id: str) -> dict[str, Any]:
    return pricing.payment(user_id, _number(payment_id, "payment"))


def _number(value: str, what: str) -> int:
    if not value.isdigit() or len(value) > 18:
        raise NotFound(f"{what} not found", code="404")
    return int(value)


# --- the admin -----------------------------------------------------------------------------------------------

def admin_user_view(item: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": int(item["id"]), "email": item["email"], "name": item["name"], "state": item.get("state", ""),
            "roles": list(item.get("roles") or []), "country_of_residence": item.get("country_of_residence"),
            "created_at": int(item.get("created_at_ms") or 0),
            "activated_at": int(item["activated_at_ms"]) if item.get("activated_at_ms") else None}


def admin_users(offset: int, limit: int, email: str | None = None) -> tuple[list[dict[str, Any]], int]:
    """Users newest first; `email` looks one address up."""
    if email:
        user = users.by_email(email.strip().lower())
        found = [admin_user_view(user.attribute_values)] if user is not None else []
        return found[offset:offset + limit], len(found)
    items, total = admin_users_store.page(offset, limit)
    return [admin_user_view(i) for i in items], total


def resend_activation(admin_id: int, user_id: int) -> dict[str, Any]:
    user = accounts.resend_activation(user_id)
    admin_audit.record(actor(admin_id), "user.activation.resend", f"user:{user.id}", {},
                       at_ms=wallets.now_ms())
    return {"status": "activation_email_sent"}


def admin_user_wallets(user_id: int) -> list[dict[str, Any]]:
    if users.get(user_id) is None:
        raise NotFound("user not found", code="404")
    return wallets.list_wallets(user_id)


def admin_topups(state: str | None, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    items = topups.admin_list(state, limit=limit, offset=offset)
    total = sum(money_lists.topups_in_state(s) for s in ([state] if state else topup_store.STATES))
    return items, total


def keyrings(chain: str | None, state: str | None, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    if chain is not None and chain not in stablecoin.TOKENS:
        raise BadRequest("chain is ethereum or tron", code="400")
    found = stablecoin.list_keyrings(chain=chain, state=state, limit=100_000)
    return found[offset:offset + limit], len(found)


def keyed_admin(admin_id: int, operation: str, key: str | None, request: Mapping[str, Any],
                action: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """An admin's ledger transition (settle, reject, reactivate) with an optional `Idempotency-Key`: a retry of the
    key answers the first result (or its refusal) and moves nothing; the same key on another request is 422.
    The money itself moves once whatever the key: each transition's condition is the top-up's state."""
    if key is None:
        return action()
    idem = wallets.keyed(f"admin:{admin_id}", operation, key, request)
    seen = wallets.replay(idem)
    if seen is not None:
        return seen
    at = wallets.now_ms()
    try:
        result = action()
    except ApiError as error:
        if error.status in (402, 409):
            record = ledger_store.remember_refusal(idem, {"status": error.status, "code": error.code,
                                                          "message": error.message}, at_ms=at)
            if record.get("outcome") == "done" and record.get("fingerprint") == idem.fingerprint:
                return ledger_store.stored_result(record)
        raise
    try:
        return ledger_store.keyed_write(idem, result, [], at_ms=at).result
    except Refused:  # a concurrent request with this key recorded first: its answer stands
        return wallets.replay(idem) or result
