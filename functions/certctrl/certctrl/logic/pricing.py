"""Price plans, the current plan per user, FX rates, quotes, conversions between a user's wallets and payments of
plans (docs/certctrl-money.md §5–6).

Plans live in LedgerTable and are cached per execution environment for `PLAN_CACHE_SECONDS`; the admin
`plans/reload` and `markets/reload` routes drop the cache (and re-seed the bundled catalogue where a plan is
missing), which is what the original's in-memory reloads did.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from certctrl import clock, config
from certctrl.logic import ledger as rules
from certctrl.logic import quotes as qrules
from certctrl.logic import wallets
from certctrl.providers import fx_source
from certctrl.store import admin_audit, fx_rates, pricing
from certctrl.store import quotes as quote_store
from certctrl.store import wallets as wallet_store
from suite.errors import ApiError, BadRequest, Conflict, NotFound
from suite.outbound import ProviderError

PLAN_CACHE_SECONDS = 60
FREE_PLAN: dict[str, Any] = {"plan_id": "free", "name": "Free", "description": "", "prices": {},
                             "period_days": 36500, "features": {"certificates": 3, "devices": 3},
                             "credit_limits": {}, "active": True, "version": 1}
DEFAULT_PLANS: tuple[dict[str, Any], ...] = (
    FREE_PLAN,
    {"plan_id": "pro", "name": "Pro", "description": "", "prices": {"CNY": 9900, "USD": 1500},
     "period_days": 30, "features": {"certificates": 100, "devices": 50}, "credit_limits": {"CNY": 5000},
     "active": True, "version": 1},
)

_cache: dict[str, Any] = {"at": 0.0, "plans": None}
_cache_lock = threading.Lock()


# --- plans ---------------------------------------------------------------------------------------------------

def _clean_plan(body: Mapping[str, Any]) -> dict[str, Any]:
    prices, limits = {}, {}
    try:
        for code, value in dict(body.get("prices") or {}).items():
            prices[rules.currency(code)] = rules.amount(value)
        for code, value in dict(body.get("credit_limits") or {}).items():
            limit = int(value)
            if isinstance(value, bool) or not 0 <= limit <= rules.MAX_AMOUNT:
                raise ValueError("credit limits are amounts in minor units")
            limits[rules.currency(code)] = limit
    except (TypeError, ValueError) as exc:
        raise BadRequest(str(exc), code="400") from None
    return {"plan_id": body["plan_id"], "name": body["name"], "description": body.get("description", ""),
            "prices": prices, "period_days": int(body.get("period_days", 30)),
            "features": dict(body.get("features") or {}), "credit_limits": limits,
            "active": bool(body.get("active", True))}


def plan_view(plan: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": plan["plan_id"], "name": plan["name"], "description": plan.get("description", ""),
            "prices": {code: {"amount": value, "display": rules.to_major(int(value), code)}
                       for code, value in dict(plan.get("prices") or {}).items()},
            "period_days": plan.get("period_days", 30), "features": plan.get("features", {}),
            "credit_limits": plan.get("credit_limits", {}), "active": plan.get("active", True),
            "version": plan.get("version", 1), "updated_at": plan.get("updated_ms")}


def all_plans() -> list[dict[str, Any]]:
    with _cache_lock:
        if _cache["plans"] is not None and time.monotonic() - _cache["at"] < PLAN_CACHE_SECONDS:
            return list(_cache["plans"])
    found = pricing.plans()
    with _cache_lock:
        _cache.update(plans=found, at=time.monotonic())
    return list(found)


def reload_plans(actor: str) -> dict[str, Any]:
    """Drop the cache and add the bundled plans that are missing (never overwrites an admin's edits)."""
    at = wallets.now_ms()
    added = [p["plan_id"] for p in DEFAULT_PLANS if pricing.create({**p, "created_ms": at, "updated_ms": at})]
    with _cache_lock:
        _cache.update(plans=None, at=0.0)
    admin_audit.record(actor, "pricing.plans.reload", "plans", {"added": added}, at_ms=at)
    return {"plans": len(all_plans()), "added": added}


def reload_markets(actor: str) -> dict[str, Any]:
    """Rebuild which currencies each active plan is sold in (what clients show per market)."""
    at = wallets.now_ms()
    with _cache_lock:
        _cache.update(plans=None, at=0.0)
    markets: dict[str, list[str]] = {}
    for plan in all_plans():
        if plan.get("active", True):
            for code in plan.get("prices", {}):
                markets.setdefault(code, []).append(plan["plan_id"])
    pricing.put_markets(markets, at_ms=at)
    admin_audit.record(actor, "pricing.markets.reload", "markets", {"currencies": sorted(markets)}, at_ms=at)
    return {"markets": markets}


def get_plan(plan_id: str) -> dict[str, Any]:
    found = pricing.plan(plan_id)
    if found is None:
        if plan_id == FREE_PLAN["plan_id"]:
            return dict(FREE_PLAN)
        raise NotFound("plan not found", code="404")
    return found


def create_plan(body: Mapping[str, Any], actor: str) -> dict[str, Any]:
    at = wallets.now_ms()
    plan = {**_clean_plan(body), "version": 1, "created_ms": at, "updated_ms": at}
    if not pricing.create(plan):
        raise Conflict("a plan with this id exists", code="409")
    admin_audit.record(actor, "pricing.plan.create", plan["plan_id"], {"plan": plan}, at_ms=at)
    _cache.update(plans=None)
    return plan_view(plan)


def update_plan(plan_id: str, body: Mapping[str, Any], actor: str) -> dict[str, Any]:
    current = pricing.plan(plan_id)
    if current is None:
        raise NotFound("plan not found", code="404")
    at = wallets.now_ms()
    plan = {**_clean_plan({**body, "plan_id": plan_id}), "version": int(current.get("version", 1)) + 1,
            "created_ms": current.get("created_ms", at), "updated_ms": at}
    if not pricing.replace(plan, expected_version=int(current.get("version", 1))):
        raise Conflict("the plan changed meanwhile; read it again", code="409")
    admin_audit.record(actor, "pricing.plan.update", plan_id, {"before": current, "after": plan}, at_ms=at)
    _cache.update(plans=None)
    return plan_view(plan)


def delete_plan(plan_id: str, actor: str) -> None:
    """Users who bought the plan keep their copy of it (the current-plan item) until it ends."""
    if not pricing.delete(plan_id):
        raise NotFound("plan not found", code="404")
    admin_audit.record(actor, "pricing.plan.delete", plan_id, {}, at_ms=wallets.now_ms())
    _cache.update(plans=None)


def current_plan(user_id: int) -> dict[str, Any]:
    """The user's plan: the last one paid while its period lasts, else the free plan."""
    now_ms = wallets.now_ms()
    held = wallet_store.current_plan(user_id)
    if held and int(held.get("until_ms", 0)) > now_ms:
        return {"plan": plan_view(held["plan"]), "since": held["since_ms"], "until": held["until_ms"],
                "payment_id": held.get("payment_id")}
    return {"plan": plan_view(get_plan(FREE_PLAN["plan_id"])), "since": None, "until": None, "payment_id": None}


# --- FX rates ------------------------------------------------------------------------------------------------

def rate_table() -> dict[tuple[str, str], Decimal]:
    table: dict[tuple[str, str], Decimal] = {}
    for item in fx_rates.all_rates():
        try:
            table[(item["base"], item["quote"])] = qrules.parse_rate(item["rate"])
        except qrules.RateError:
            continue
    return table


def list_rates() -> list[dict[str, Any]]:
    return [{"base": r["base"], "quote": r["quote"], "rate": str(r["rate"]), "updated_at": r.get("updated_at_ms"),
             "source": r.get("source", "admin")} for r in fx_rates.all_rates()]


def set_rate(base: str, quote: str, rate: str, actor: str) -> dict[str, Any]:
    try:
        base_code, quote_code = rules.currency(base), rules.currency(quote)
        value = qrules.parse_rate(rate)
    except ValueError as exc:
        raise BadRequest(str(exc), code="400") from None
    if base_code == quote_code:
        raise BadRequest("a rate joins two currencies", code="400")
    at = wallets.now_ms()
    item = fx_rates.put_rate(base_code, quote_code, str(value), updated_at_ms=at, source="admin")
    admin_audit.record(actor, "fx.rate.set", f"{base_code}#{quote_code}", {"rate": str(value)}, at_ms=at)
    return {"base": base_code, "quote": quote_code, "rate": item["rate"], "updated_at": at, "source": "admin"}


def fetch_rates() -> dict[str, Any]:
    """The scheduled fetch (when FX_SOURCE_URL is set): the source's rates for our currencies replace the stored
    ones; a failing source changes nothing (the last rates stay)."""
    settings = config.money()
    if not settings.fx_source_url:
        return {"fetched": 0, "skipped": "FX_SOURCE_URL is not set"}
    try:
        payload = fx_source.fetch(settings.fx_source_url)
        found = qrules.parse_source(payload, settings.fx_source_base, set(settings.currencies))
    except (ProviderError, qrules.RateError) as exc:
        return {"fetched": 0, "error": str(exc)}
    at = wallets.now_ms()
    for base, quote, rate in found:
        fx_rates.put_rate(base, quote, str(rate), updated_at_ms=at, source="fetch")
    return {"fetched": len(found)}


# --- quotes --------------------------------------------------------------------------------------------------

def _rate(source: str, target: str) -> Any:
    try:
        return qrules.rate_between(rate_table(), source, target)
    except qrules.RateError as exc:
        raise ApiError(str(exc), code="422", status=422) from None


def create_quote(user_id: int, body: Mapping[str, Any]) -> dict[str, Any]:
    """A conversion quote (source, target, source amount → target amount) or a payment quote (a plan's price in
    its currency → what the wallet currency pays), each locking one rate until it expires."""
    settings = config.money()
    now = clock.now()
    purpose = body.get("purpose")
    if purpose == "conversion":
        source = wallets.currency_of(body.get("source_currency") or "")
        target = wallets.currency_of(body.get("target_currency") or "")
        if source == target:
            raise BadRequest("a conversion changes currency", code="400")
        try:
            value = rules.amount(body.get("source_amount"))
        except ValueError as exc:
            raise BadRequest(str(exc), code="400") from None
        rate = _rate(source, target)
        target_amount = qrules.convert(value, source, target, rate, settings.fx_spread_bps)
        if target_amount <= 0:
            raise BadRequest("the amount buys nothing at this rate", code="400")
        quote = qrules.build(user_id=user_id, purpose="conversion", source=source, source_amount=value,
                             target=target, target_amount=target_amount, rate=rate,
                             spread_bps=settings.fx_spread_bps, now=now, ttl_seconds=settings.quote_ttl_seconds)
    elif purpose == "payment":
        plan = get_plan(str(body.get("plan_id") or ""))
        if not plan.get("active", True) or not plan.get("prices"):
            raise Conflict("this plan is not for sale", code="409")
        pay = wallets.currency_of(body.get("pay_currency") or next(iter(plan["prices"])))
        price_code = pay if pay in plan["prices"] else next(iter(sorted(plan["prices"])))
        price = int(plan["prices"][price_code])
        rate = _rate(pay, price_code)
        spread = settings.fx_spread_bps if pay != price_code else 0
        cost = price if pay == price_code else qrules.cost_of(price, pay, price_code, rate, spread)
        quote = qrules.build(user_id=user_id, purpose="payment", source=pay, source_amount=cost,
                             target=price_code, target_amount=price, rate=rate, spread_bps=spread, now=now,
                             ttl_seconds=settings.quote_ttl_seconds,
                             extra={"plan_id": plan["plan_id"], "plan_version": plan.get("version", 1)})
    else:
        raise BadRequest("purpose is conversion or payment", code="400")
    quote_store.put(quote)
    return qrules.view(quote)


def get_quote(user_id: int, quote_id: str) -> dict[str, Any]:
    quote = quote_store.get(quote_id)
    if quote is None or int(quote["user_id"]) != user_id:
        raise NotFound("quote not found", code="404")
    if quote["state"] == "open" and clock.now() >= int(quote["valid_until"]):
        quote = {**quote, "state": "expired"}
    return qrules.view(quote)


def _usable_quote(user_id: int, quote_id: str, purpose: str) -> dict[str, Any]:
    quote = quote_store.get(quote_id)
    problem = qrules.problem(quote, user_id=user_id, purpose=purpose, now=clock.now())
    if problem in ("not_found", "wrong_purpose"):
        raise NotFound("quote not found", code="404")
    if problem:
        raise Conflict(f"the quote is {problem}", code="409")
    return quote or {}


QUOTE_GONE = Conflict("the quote expired or was used", code="409")


# --- conversions ---------------------------------------------------------------------------------------------

def conversion_view(record: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": record["conversion_id"], "quote_id": record["quote_id"], "from_wallet_id": record["from_wallet"],
            "from_currency": record["from_currency"], "from_amount": record["from_amount"],
            "to_wallet_id": record["to_wallet"], "to_currency": record["to_currency"],
            "to_amount": record["to_amount"], "rate": record["rate"], "txn_id": record["txn_id"],
            "created_at": record["created_ms"]}


def convert(user_id: int, quote_id: str, *, key: str | None) -> dict[str, Any]:
    """Move money between two of the user's wallets at the quote's locked rate, once."""
    idem = wallets.keyed(f"user:{user_id}", "conversion", key, {"quote": quote_id})
    seen = wallets.replay(idem)
    if seen is not None:
        return seen
    try:
        quote = _usable_quote(user_id, quote_id, "conversion")
    except Conflict:  # a retry under the same key may have used the quote meanwhile: its answer is ours
        if (seen := wallets.replay(idem)) is not None:
            return seen
        raise
    source = wallet_store.wallet_of(user_id, quote["source_currency"])
    if source is None:
        raise wallets.payment_required(f"no {quote['source_currency']} wallet")
    target = wallets.open_wallet(user_id, quote["target_currency"])
    at = wallets.now_ms()
    txn_id = rules.new_txn_id(at)
    conversion_id = wallet_store.next_id("conversion")
    record = {"conversion_id": conversion_id, "quote_id": quote_id, "user_id": user_id,
              "from_wallet": source["wallet_id"], "from_currency": quote["source_currency"],
              "from_amount": int(quote["source_amount"]), "to_wallet": target["wallet_id"],
              "to_currency": quote["target_currency"], "to_amount": int(quote["target_amount"]),
              "rate": quote["rate"], "txn_id": txn_id, "created_ms": at}
    move = rules.conversion(from_wallet=source["account"], from_code=record["from_currency"],
                            from_amount=record["from_amount"], to_wallet=target["account"],
                            to_code=record["to_currency"], to_amount=record["to_amount"],
                            shard=rules.shard_for(txn_id, wallets.shards()),
                            memo={"conversion_id": conversion_id, "quote_id": quote_id, "user_id": user_id})
    result, _ = wallets.post(move, txn_id=txn_id, at_ms=at, result=conversion_view(record), idem=idem,
                             writes=[quote_store.use(quote, txn_id=txn_id, now=int(at / 1000)),
                                     wallet_store.record_write(user_id, "CONV", conversion_id, record)],
                             refusals={"quote": QUOTE_GONE})
    return result


def conversions(user_id: int, *, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    return [conversion_view(r) for r in wallet_store.records(user_id, "CONV", limit=limit, offset=offset)]


def conversion(user_id: int, conversion_id: int) -> dict[str, Any]:
    found = wallet_store.record(user_id, "CONV", conversion_id)
    if found is None:
        raise NotFound("conversion not found", code="404")
    return conversion_view(found)


# --- payments of plans ---------------------------------------------------------------------------------------

def payment_view(record: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": record["payment_id"], "quote_id": record["quote_id"], "plan_id": record["plan_id"],
            "wallet_id": record["wallet_id"], "currency": record["currency"], "amount": record["amount"],
            "amount_display": rules.to_major(int(record["amount"]), record["currency"]),
            "price_currency": record["price_currency"], "price": record["price"], "rate": record["rate"],
            "state": record["state"], "txn_id": record["txn_id"], "created_at": record["created_ms"],
            "plan_until": record.get("plan_until")}


def pay(user_id: int, quote_id: str, *, key: str | None) -> dict[str, Any]:
    """Pay a plan from the wallet in the quote's currency, once: the movement, the quote used, the payment
    record and the user's current plan (extended when it is the same plan) in one transaction."""
    idem = wallets.keyed(f"user:{user_id}", "payment", key, {"quote": quote_id})
    seen = wallets.replay(idem)
    if seen is not None:
        return seen
    for _ in range(5):  # the current plan item moved under us (a concurrent payment): read it again
        try:
            quote = _usable_quote(user_id, quote_id, "payment")
        except Conflict:  # as in convert: the same keyed request may have just used the quote
            if (seen := wallets.replay(idem)) is not None:
                return seen
            raise
        plan = get_plan(quote["plan_id"])
        wallet = wallet_store.wallet_of(user_id, quote["source_currency"])
        if wallet is None:
            raise wallets.payment_required(f"no {quote['source_currency']} wallet")
        at = wallets.now_ms()
        held = wallet_store.current_plan(user_id)
        start = at
        if held and held.get("plan", {}).get("plan_id") == plan["plan_id"] and int(held.get("until_ms", 0)) > at:
            start = int(held["until_ms"])
        until = start + int(plan.get("period_days", 30)) * 86400 * 1000
        txn_id = rules.new_txn_id(at)
        payment_id = wallet_store.next_id("payment")
        record = {"payment_id": payment_id, "quote_id": quote_id, "user_id": user_id, "plan_id": plan["plan_id"],
                  "wallet_id": wallet["wallet_id"], "currency": quote["source_currency"],
                  "amount": int(quote["source_amount"]), "price_currency": quote["target_currency"],
                  "price": int(quote["target_amount"]), "rate": quote["rate"], "state": "succeeded",
                  "txn_id": txn_id, "created_ms": at, "plan_until": until}
        move = rules.payment(wallet["account"], record["currency"], record["amount"],
                             price_code=record["price_currency"], price=record["price"],
                             shard=rules.shard_for(txn_id, wallets.shards()),
                             memo={"payment_id": payment_id, "plan_id": plan["plan_id"], "user_id": user_id})
        version = int(held.get("version", 0)) if held else 0
        plan_write = wallet_store.plan_write(user_id, {
            "plan": {k: plan[k] for k in ("plan_id", "name", "description", "prices", "period_days", "features",
                                          "credit_limits", "active", "version") if k in plan},
            "since_ms": at if start == at else held.get("since_ms", at), "until_ms": until,
            "payment_id": payment_id}, expected_version=version)
        try:
            result, _ = wallets.post(move, txn_id=txn_id, at_ms=at, result=payment_view(record), idem=idem,
                                     writes=[quote_store.use(quote, txn_id=txn_id, now=int(at / 1000)),
                                             wallet_store.record_write(user_id, "PAY", payment_id, record),
                                             plan_write],
                                     refusals={"quote": QUOTE_GONE, "plan": _PLAN_MOVED,
                                               "insufficient": wallets.payment_required("insufficient funds")},
                                     transient=("plan",))
        except ApiError as error:
            if error is _PLAN_MOVED:
                continue
            raise
        return result
    raise Conflict("the plan kept changing; try again", code="409")


_PLAN_MOVED = Conflict("the current plan changed meanwhile", code="409")


def payment(user_id: int, payment_id: int) -> dict[str, Any]:
    found = wallet_store.record(user_id, "PAY", payment_id)
    if found is None:
        raise NotFound("payment not found", code="404")
    return payment_view(found)
