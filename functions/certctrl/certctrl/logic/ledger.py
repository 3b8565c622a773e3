"""The ledger's rules, as plain Python: currencies and their minor units, account names, balanced movements, the
movements every money operation posts, idempotency scopes and request fingerprints (docs/certctrl-money.md §2).

Nothing here reads or writes: `store/ledger.py` writes a `Movement` (one DynamoDB transaction with the balance
items it changes, under conditions), `logic/wallets.py`, `logic/payments.py` and `logic/stablecoin.py` decide
which movement an operation posts.

Signs: a leg's `amount` is what it adds to its account's balance. Every movement's legs sum to zero per currency,
so the whole ledger sums to zero per currency: user wallets hold positive balances, the clearing accounts of the
payment channels hold the matching negative ones (what the channels collected for us), revenue is positive, the
FX accounts hold the house's position in each currency.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from certctrl.models.ledger import Leg, Movement

# ISO 4217 exponents, and the token decimals of the stablecoins (USDT and USDC have 6 on Ethereum and Tron), so
# an on-chain amount is credited exactly, without rounding.
CURRENCIES: dict[str, int] = {"CNY": 2, "USD": 2, "EUR": 2, "HKD": 2, "JPY": 0, "USDT": 6, "USDC": 6}
MAX_AMOUNT = 10**15  # minor units of one movement: 10^13 yuan, 10^9 USDT; far above any real payment
MAX_LEGS = 24  # a movement's legs (each leg is two actions of a ≤ 100-action transaction)

# System accounts. Each is split into shards (`sys:<kind>:<currency>:<shard>`) so concurrent movements do not all
# contend for one balance item; the account's balance is the sum of its shards.
REVENUE = "revenue"  # what users paid for (charges, payments of plans)
FX = "fx"  # the house's position per currency from conversions
CLEARING = "clearing"  # per channel: what a payment channel collected (alipay, wechatpay, stablecoin-<chain>, admin)
SYSTEM_KINDS = (REVENUE, FX, CLEARING)
CHANNEL = re.compile(r"^[a-z][a-z0-9-]{1,30}$")

IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")  # printable ASCII, no spaces (Stripe's rule, 255 long)


class LedgerRuleError(ValueError):
    """A movement that breaks the ledger's rules (a bug in the caller, never the user's input)."""


# --- currencies and amounts ----------------------------------------------------------------------------------

def currency(code: str, allowed: Iterable[str] | None = None) -> str:
    """The upper-case code of a known currency (and one the deployment enables, when `allowed` is given)."""
    upper = (code or "").strip().upper()
    if upper not in CURRENCIES or (allowed is not None and upper not in set(allowed)):
        raise ValueError(f"unsupported currency {code!r}")
    return upper


def exponent(code: str) -> int:
    return CURRENCIES[currency(code)]


def amount(value: Any) -> int:
    """A positive amount in minor units (an int, never a bool or a float), at most MAX_AMOUNT."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("amounts are integers in minor units")
    if value <= 0 or value > MAX_AMOUNT:
        raise ValueError(f"amounts are between 1 and {MAX_AMOUNT} minor units")
    return value


def to_minor(text: str | int | Decimal, code: str) -> int:
    """'12.34' CNY → 1234; refuses more decimals than the currency has (never rounds money silently)."""
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise ValueError("not a decimal amount") from None
    if not value.is_finite():
        raise ValueError("not a decimal amount")
    scaled = value.scaleb(exponent(code))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{code} has {exponent(code)} decimals")
    return int(scaled)


def to_major(minor: int, code: str) -> str:
    """1234 CNY → '12.34' (the form Alipay's total_amount and the API's display fields use)."""
    places = exponent(code)
    sign = "-" if minor < 0 else ""
    digits = str(abs(minor)).rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}" if places else f"{sign}{digits}"


# --- accounts ------------------------------------------------------------------------------------------------

def wallet_account(wallet_id: int) -> str:
    return f"wallet:{wallet_id}"


def due_account(wallet_id: int) -> str:
    """What a wallet's owner owes for outstanding charges: at most 0, down to minus the wallet's credit limit."""
    return f"wallet:{wallet_id}:due"


def system_account(kind: str, code: str, shard: int, channel: str | None = None) -> str:
    if kind not in SYSTEM_KINDS:
        raise LedgerRuleError(f"unknown system account kind {kind!r}")
    if kind == CLEARING:
        if not channel or not CHANNEL.match(channel):
            raise LedgerRuleError("a clearing account names its channel")
        return f"sys:{kind}.{channel}:{currency(code)}:{shard}"
    return f"sys:{kind}:{currency(code)}:{shard}"


def system_accounts(code: str, shards: int, channels: Iterable[str]) -> list[str]:
    """Every shard of every system account of a currency (what `ensure_system_accounts` opens)."""
    names = [system_account(kind, code, s) for kind in (REVENUE, FX) for s in range(shards)]
    names += [system_account(CLEARING, code, s, channel) for channel in channels for s in range(shards)]
    return names


def is_system(account: str) -> bool:
    return account.startswith("sys:")


def shard_for(seed: str, shards: int) -> int:
    """A stable shard for a movement (its transaction id): spreads writes, and a retry picks the same shard."""
    return int.from_bytes(hashlib.sha256(seed.encode()).digest()[:4], "big") % shards


# --- movements -----------------------------------------------------------------------------------------------

def merged(legs: Iterable[Leg]) -> tuple[Leg, ...]:
    """One leg per account (a transaction writes an item once): amounts of the same account added, zero legs
    dropped; an account never changes currency inside a movement."""
    totals: dict[str, int] = defaultdict(int)
    currencies: dict[str, str] = {}
    for leg in legs:
        if currencies.setdefault(leg.account, leg.currency) != leg.currency:
            raise LedgerRuleError(f"account {leg.account} appears in two currencies")
        totals[leg.account] += leg.amount
    return tuple(Leg(account, currencies[account], total) for account, total in totals.items() if total)


def check_balanced(legs: Iterable[Leg]) -> None:
    sums: dict[str, int] = defaultdict(int)
    for leg in legs:
        if isinstance(leg.amount, bool) or not isinstance(leg.amount, int):
            raise LedgerRuleError("leg amounts are integers")
        sums[leg.currency] += leg.amount
    unbalanced = {code: total for code, total in sums.items() if total}
    if unbalanced:
        raise LedgerRuleError(f"movement does not balance: {unbalanced}")


def movement(kind: str, legs: Iterable[Leg], memo: Mapping[str, Any] | None = None,
             reverses: str | None = None) -> Movement:
    """A balanced movement with one leg per account; refuses empty, unbalanced or oversized ones."""
    final = merged(legs)
    check_balanced(final)
    if not final:
        raise LedgerRuleError("a movement moves something")
    if len(final) > MAX_LEGS:
        raise LedgerRuleError(f"a movement has at most {MAX_LEGS} legs")
    for leg in final:
        if abs(leg.amount) > MAX_AMOUNT * 4:
            raise LedgerRuleError("leg amount out of range")
    return Movement(kind, final, dict(memo or {}), reverses)


def topup(wallet: str, code: str, value: int, *, channel: str, shard: int, memo: Mapping[str, Any]) -> Movement:
    """Money arrived through a channel: the channel's clearing account gives, the wallet receives."""
    value = amount(value)
    return movement("topup", [Leg(wallet, code, value),
                              Leg(system_account(CLEARING, code, shard, channel), code, -value)], memo)


def charge(wallet: str, code: str, value: int, shard: int, memo: Mapping[str, Any]) -> Movement:
    value = amount(value)
    return movement("charge", [Leg(wallet, code, -value), Leg(system_account(REVENUE, code, shard), code, value)],
                    memo)


def outstanding_charge(due: str, code: str, value: int, shard: int, memo: Mapping[str, Any]) -> Movement:
    """A charge the wallet cannot cover yet: revenue is earned now, the owner's due account owes it."""
    value = amount(value)
    return movement("charge_outstanding",
                    [Leg(due, code, -value), Leg(system_account(REVENUE, code, shard), code, value)], memo)


def settle_outstanding(wallet: str, due: str, code: str, value: int, memo: Mapping[str, Any]) -> Movement:
    value = amount(value)
    return movement("settle_outstanding", [Leg(wallet, code, -value), Leg(due, code, value)], memo)


def exchange(kind: str, *, source: str, source_code: str, source_amount: int, target: str, target_code: str,
             target_amount: int, shard: int, memo: Mapping[str, Any]) -> Movement:
    """Value leaves `source` in one currency and reaches `target` in another, through the FX accounts, so each
    currency balances on its own. Same currency: a direct transfer (the amounts must then be equal)."""
    source_amount, target_amount = amount(source_amount), amount(target_amount)
    if source_code == target_code:
        if source_amount != target_amount:
            raise LedgerRuleError("a same-currency exchange moves one amount")
        return movement(kind, [Leg(source, source_code, -source_amount), Leg(target, target_code, target_amount)],
                        memo)
    return movement(kind, [
        Leg(source, source_code, -source_amount),
        Leg(system_account(FX, source_code, shard), source_code, source_amount),
        Leg(system_account(FX, target_code, shard), target_code, -target_amount),
        Leg(target, target_code, target_amount),
    ], memo)


def conversion(*, from_wallet: str, from_code: str, from_amount: int, to_wallet: str, to_code: str, to_amount: int,
               shard: int, memo: Mapping[str, Any]) -> Movement:
    if from_code == to_code:
        raise LedgerRuleError("a conversion changes currency")
    return exchange("conversion", source=from_wallet, source_code=from_code, source_amount=from_amount,
                    target=to_wallet, target_code=to_code, target_amount=to_amount, shard=shard, memo=memo)


def payment(wallet: str, wallet_code: str, paid: int, *, price_code: str, price: int, shard: int,
            memo: Mapping[str, Any]) -> Movement:
    """A plan paid from a wallet: `paid` (wallet currency) leaves the wallet, `price` (the plan's currency) is
    revenue; in another currency the FX accounts carry the difference (at the quote's locked rate)."""
    return exchange("payment", source=wallet, source_code=wallet_code, source_amount=paid,
                    target=system_account(REVENUE, price_code, shard), target_code=price_code, target_amount=price,
                    shard=shard, memo=memo)


def reversal(original_txn: str, legs: Iterable[Leg], memo: Mapping[str, Any]) -> Movement:
    """Every leg of a posted movement, negated: the original stays, and the pair sums to nothing."""
    return movement("reversal", [Leg(leg.account, leg.currency, -leg.amount) for leg in legs],
                    {**memo, "reverses": original_txn}, reverses=original_txn)


# --- ids, idempotency ----------------------------------------------------------------------------------------

def new_txn_id(now_ms: int) -> str:
    """Time-ordered (entries sort by it) and unguessable: 't' + 13-digit ms + 10 hex characters."""
    return f"t{now_ms:013d}{secrets.token_hex(5)}"


def idempotency_key(value: str | None) -> str:
    """An `Idempotency-Key` header value: required on money-moving requests, 1–255 printable ASCII."""
    if value is None or not IDEMPOTENCY_KEY.match(value):
        raise ValueError("Idempotency-Key is required: 1 to 255 printable ASCII characters, no spaces")
    return value


def idempotency_scope(owner: str, operation: str, key: str) -> str:
    """Keys are the caller's: the same key from two users, or for two operations, never collides."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"{owner}:{operation}:{digest}"


def fingerprint(request: Mapping[str, Any]) -> str:
    """What a retry must repeat: the SHA-256 of the request's canonical JSON (a different request under the same
    key is refused, never answered with the first one's result)."""
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- the audit's arithmetic ----------------------------------------------------------------------------------

@dataclass
class AccountCheck:
    account: str
    currency: str
    balance: int
    entries_sum: int
    entries: int
    entries_counted: int
    available: int | None
    floor: int | None

    @property
    def problems(self) -> list[str]:
        found = []
        if self.balance != self.entries_sum:
            found.append(f"{self.account}: balance {self.balance} != entries {self.entries_sum}")
        if self.entries != self.entries_counted:
            found.append(f"{self.account}: {self.entries_counted} entries, counter says {self.entries}")
        if self.floor is not None:
            if self.available != self.balance - self.floor:
                found.append(f"{self.account}: available {self.available} != balance - floor")
            if self.balance < self.floor:
                found.append(f"{self.account}: balance {self.balance} below floor {self.floor}")
        return found


def audit_problems(checks: Iterable[AccountCheck], journal: Mapping[str, Mapping[str, Any]],
                   entries_by_txn: Mapping[str, list[tuple[str, int]]]) -> list[str]:
    """Everything that would mean money was created or lost: per-currency sums that are not zero, balances that
    differ from their entries, journal transactions that do not balance or whose entries differ from their legs."""
    problems: list[str] = []
    totals: dict[str, int] = defaultdict(int)
    for check in checks:
        totals[check.currency] += check.balance
        problems += check.problems
    problems += [f"{code}: ledger sums to {total}" for code, total in totals.items() if total]
    for txn_id, txn in journal.items():
        legs = [Leg(leg["account"], leg["currency"], int(leg["amount"])) for leg in txn.get("legs", [])]
        try:
            check_balanced(legs)
        except LedgerRuleError as exc:
            problems.append(f"{txn_id}: {exc}")
        posted = sorted((leg.account, leg.amount) for leg in legs)
        if posted != sorted(entries_by_txn.get(txn_id, [])):
            problems.append(f"{txn_id}: entries differ from its legs")
    return problems
