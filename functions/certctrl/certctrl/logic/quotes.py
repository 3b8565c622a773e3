"""Quotes and FX rates, as plain Python (docs/certctrl-money.md §5).

A rate `(base, quote, r)` means 1 `base` = r `quote`, a positive decimal kept as a string. A quote locks one rate
for `QUOTE_TTL_SECONDS`: a conversion quote says how much of the target currency a source amount buys, a payment
quote how much of the wallet's currency pays a plan's price. Rounding always favours the house by less than one
minor unit (the target amount rounds down, the amount to pay rounds up), so the FX accounts never pay out
more than the rate says; `FX_SPREAD_BPS` may add a margin.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from certctrl.logic import ledger as rules

MAX_RATE = Decimal(10) ** 9
PIVOT = "USD"  # cross rates go through it when no direct or inverse rate is known
PURPOSES = ("conversion", "payment")


class RateError(ValueError):
    """No usable rate between two currencies, or a malformed one."""


def parse_rate(value: Any) -> Decimal:
    """A positive, finite decimal rate, at most 10^9 and with at most 18 significant digits."""
    if isinstance(value, bool):
        raise RateError("a rate is a positive decimal")
    try:
        rate = Decimal(str(value).strip())
    except InvalidOperation:
        raise RateError("a rate is a positive decimal") from None
    if not rate.is_finite() or rate <= 0 or rate > MAX_RATE or len(rate.as_tuple().digits) > 18:
        raise RateError("a rate is a positive decimal below 10^9 with at most 18 digits")
    return rate.normalize()


def rate_between(rates: Mapping[tuple[str, str], Decimal], source: str, target: str) -> Fraction:
    """How many `target` one `source` buys: 1 for the same currency, else the direct rate, else the inverse of
    the opposite one, else a cross through USD (each leg direct or inverse)."""
    if source == target:
        return Fraction(1)

    def single(a: str, b: str) -> Fraction | None:
        if (a, b) in rates:
            return Fraction(rates[(a, b)])
        if (b, a) in rates:
            return 1 / Fraction(rates[(b, a)])
        return None

    direct = single(source, target)
    if direct is not None:
        return direct
    if PIVOT not in (source, target):
        first, second = single(source, PIVOT), single(PIVOT, target)
        if first is not None and second is not None:
            return first * second
    raise RateError(f"no FX rate from {source} to {target}")


def _scale(source: str, target: str) -> Fraction:
    return Fraction(10) ** (rules.exponent(target) - rules.exponent(source))


def _margin(spread_bps: int) -> Fraction:
    if not 0 <= spread_bps < 10000:
        raise RateError("spread is 0 to 9999 basis points")
    return Fraction(10000 - spread_bps, 10000)


def convert(value: int, source: str, target: str, rate: Fraction, spread_bps: int = 0) -> int:
    """Minor units of `target` that `value` minor units of `source` buy (rounded down)."""
    return math.floor(rules.amount(value) * rate * _scale(source, target) * _margin(spread_bps))


def cost_of(price: int, source: str, target: str, rate: Fraction, spread_bps: int = 0) -> int:
    """Minor units of `source` (the wallet) that pay `price` minor units of `target` (the plan), rounded up, so
    `convert(cost_of(p)) >= p`."""
    per_unit = rate * _scale(source, target) * _margin(spread_bps)
    if per_unit <= 0:
        raise RateError("rate too small")
    cost = max(1, math.ceil(rules.amount(price) / per_unit))
    if cost > rules.MAX_AMOUNT:
        raise RateError("the price is out of range at this rate")
    return cost


def rate_text(rate: Fraction) -> str:
    """A locked rate as a decimal string (18 significant digits), what the quote shows and records."""
    return format(Decimal(rate.numerator) / Decimal(rate.denominator), ".18g")


def new_quote_id() -> str:
    return "pq_" + secrets.token_hex(12)


def build(*, user_id: int, purpose: str, source: str, source_amount: int, target: str, target_amount: int,
          rate: Fraction, spread_bps: int, now: float, ttl_seconds: int,
          extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown quote purpose {purpose!r}")
    created = int(now)
    return {"quote_id": new_quote_id(), "user_id": user_id, "purpose": purpose, "source_currency": source,
            "source_amount": source_amount, "target_currency": target, "target_amount": target_amount,
            "rate": rate_text(rate), "spread_bps": spread_bps, "created_at": created,
            "valid_until": created + ttl_seconds, "state": "open", **dict(extra or {})}


def problem(quote: Mapping[str, Any] | None, *, user_id: int, purpose: str, now: float) -> str | None:
    """Why a quote cannot be used (None when it can): missing or another user's (not_found), another purpose,
    already used, expired. The transaction that uses it checks state and expiry again."""
    if quote is None or int(quote.get("user_id", -1)) != user_id:
        return "not_found"
    if quote.get("purpose") != purpose:
        return "wrong_purpose"
    if quote.get("state") != "open":
        return "used"
    if now >= int(quote["valid_until"]):
        return "expired"
    return None


def view(quote: Mapping[str, Any]) -> dict[str, Any]:
    source, target = quote["source_currency"], quote["target_currency"]
    shown = {"id": quote["quote_id"], "purpose": quote["purpose"], "source_currency": source,
             "source_amount": quote["source_amount"],
             "source_amount_display": rules.to_major(int(quote["source_amount"]), source),
             "target_currency": target, "target_amount": quote["target_amount"],
             "target_amount_display": rules.to_major(int(quote["target_amount"]), target), "rate": quote["rate"],
             "spread_bps": quote.get("spread_bps", 0), "created_at": quote["created_at"],
             "expires_at": quote["valid_until"], "state": quote["state"]}
    if quote.get("plan_id"):
        shown["plan_id"] = quote["plan_id"]
    return shown


def parse_source(payload: Any, base_hint: str, wanted: set[str]) -> list[tuple[str, str, Decimal]]:
    """Rates from a JSON source in the common `{"base"|"base_code": "USD", "rates": {"CNY": 7.1, ...}}` shape,
    kept only for currencies we know; malformed entries are skipped, a malformed document refused."""
    if not isinstance(payload, dict) or not isinstance(payload.get("rates"), dict):
        raise RateError("the FX source answered no rates")
    base = str(payload.get("base") or payload.get("base_code") or base_hint).upper()
    if base not in rules.CURRENCIES:
        raise RateError(f"the FX source's base {base!r} is unknown")
    found: list[tuple[str, str, Decimal]] = []
    for code, value in payload["rates"].items():
        upper = str(code).upper()
        if upper == base or upper not in rules.CURRENCIES or upper not in wanted:
            continue
        try:
            found.append((base, upper, parse_rate(value)))
        except RateError:
            continue
    return found
