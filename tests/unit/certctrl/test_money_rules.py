"""The ledger's and the quotes' rules as plain Python: minor units, balanced movements, rounding that never
favours the user by a whole unit, rates (direct, inverse, cross), quote expiry, idempotency scopes."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from certctrl.logic import ledger as rules
from certctrl.logic import quotes as q


def test_minor_units_round_trip_and_refuse_extra_decimals():
    assert rules.to_minor("12.34", "CNY") == 1234
    assert rules.to_minor("7", "JPY") == 7
    assert rules.to_minor("1.000001", "USDT") == 1_000_001
    assert rules.to_major(1234, "CNY") == "12.34"
    assert rules.to_major(5, "CNY") == "0.05"
    assert rules.to_major(-5, "USD") == "-0.05"
    assert rules.to_major(7, "JPY") == "7"
    for bad in ("12.345", "NaN", "1e400x", "abc"):
        with pytest.raises(ValueError, match="decimal"):
            rules.to_minor(bad, "CNY")


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "10", rules.MAX_AMOUNT + 1, None])
def test_amounts_are_positive_integers(bad):
    with pytest.raises(ValueError, match="amounts"):
        rules.amount(bad)


def test_every_movement_balances_per_currency():
    m = rules.conversion(from_wallet="wallet:1", from_code="CNY", from_amount=700, to_wallet="wallet:2",
                         to_code="USD", to_amount=99, shard=3, memo={})
    sums: dict[str, int] = {}
    for leg in m.legs:
        sums[leg.currency] = sums.get(leg.currency, 0) + leg.amount
    assert sums == {"CNY": 0, "USD": 0}
    assert {leg.account for leg in m.legs} == {"wallet:1", "sys:fx:CNY:3", "sys:fx:USD:3", "wallet:2"}
    with pytest.raises(rules.LedgerRuleError):
        rules.movement("x", [rules.Leg("a", "CNY", 5), rules.Leg("b", "CNY", -4)])
    with pytest.raises(rules.LedgerRuleError):
        rules.movement("x", [rules.Leg("a", "CNY", 5), rules.Leg("a", "USD", -5)])
    with pytest.raises(rules.LedgerRuleError):
        rules.movement("x", [rules.Leg("a", "CNY", 5), rules.Leg("a", "CNY", -5)])  # moves nothing


def test_legs_of_one_account_are_merged_and_reversals_negate():
    m = rules.movement("x", [rules.Leg("a", "CNY", 5), rules.Leg("a", "CNY", 5), rules.Leg("b", "CNY", -10)])
    assert sorted((leg.account, leg.amount) for leg in m.legs) == [("a", 10), ("b", -10)]
    back = rules.reversal("t1", m.legs, {})
    assert sorted((leg.account, leg.amount) for leg in back.legs) == [("a", -10), ("b", 10)]
    assert back.reverses == "t1"


def test_system_accounts_are_sharded_and_named_by_channel():
    assert rules.system_account(rules.CLEARING, "CNY", 2, "alipay") == "sys:clearing.alipay:CNY:2"
    assert len(rules.system_accounts("CNY", 4, ["alipay", "wechatpay"])) == 16
    with pytest.raises(rules.LedgerRuleError):
        rules.system_account(rules.CLEARING, "CNY", 0, None)
    assert rules.shard_for("t123", 8) == rules.shard_for("t123", 8)


def test_idempotency_scopes_and_fingerprints():
    assert rules.idempotency_scope("user:1", "charge", "k") != rules.idempotency_scope("user:2", "charge", "k")
    assert rules.idempotency_scope("user:1", "charge", "k") != rules.idempotency_scope("user:1", "payment", "k")
    assert rules.fingerprint({"a": 1, "b": 2}) == rules.fingerprint({"b": 2, "a": 1})
    assert rules.fingerprint({"a": 1}) != rules.fingerprint({"a": 2})
    for bad in (None, "", "with space", "x" * 256, "é"):
        with pytest.raises(ValueError, match="Idempotency-Key"):
            rules.idempotency_key(bad)


def test_rates_direct_inverse_and_cross():
    table = {("USD", "CNY"): Decimal("7.2"), ("USD", "EUR"): Decimal("0.9")}
    assert q.rate_between(table, "USD", "CNY") == Fraction("7.2")
    assert q.rate_between(table, "CNY", "USD") == 1 / Fraction("7.2")
    assert q.rate_between(table, "CNY", "EUR") == Fraction("0.9") / Fraction("7.2")
    assert q.rate_between(table, "CNY", "CNY") == 1
    with pytest.raises(q.RateError):
        q.rate_between(table, "CNY", "JPY")


@pytest.mark.parametrize("bad", ["0", "-1", "abc", "1e10", "NaN", "Infinity", True, "1.2345678901234567890"])
def test_malformed_rates_are_refused(bad):
    with pytest.raises(q.RateError):
        q.parse_rate(bad)


@settings(max_examples=300, deadline=None)
@given(price=st.integers(1, 10**12), rate=st.decimals("0.0001", "10000", places=6),
       codes=st.sampled_from([("CNY", "USD"), ("USD", "CNY"), ("USDT", "CNY"), ("CNY", "USDT"), ("JPY", "USD")]),
       spread=st.integers(0, 500))
def test_the_house_never_loses_a_whole_unit_on_rounding(price, rate, codes, spread):
    source, target = codes
    r = Fraction(rate)
    try:
        cost = q.cost_of(price, source, target, r, spread)
    except q.RateError:
        assume(False)  # beyond MAX_AMOUNT at this rate: refused, which is right
        return
    assert q.convert(cost, source, target, r, spread) >= price  # what is paid buys at least the price
    if cost > 1:
        assert q.convert(cost - 1, source, target, r, spread) < price  # and one unit less would not
    exact = Fraction(price) * r * Fraction(10) ** (rules.exponent(target) - rules.exponent(source)) \
        * Fraction(10000 - spread, 10000)
    assert q.convert(price, source, target, r, spread) <= exact < q.convert(price, source, target, r, spread) + 1


def test_quotes_expire_and_belong_to_one_user():
    quote = q.build(user_id=1, purpose="conversion", source="CNY", source_amount=100, target="USD",
                    target_amount=13, rate=Fraction("0.138"), spread_bps=0, now=1000.0, ttl_seconds=600)
    assert q.problem(quote, user_id=1, purpose="conversion", now=1599.9) is None
    assert q.problem(quote, user_id=1, purpose="conversion", now=1600.0) == "expired"
    assert q.problem(quote, user_id=2, purpose="conversion", now=1000.0) == "not_found"
    assert q.problem(quote, user_id=1, purpose="payment", now=1000.0) == "wrong_purpose"
    assert q.problem({**quote, "state": "used"}, user_id=1, purpose="conversion", now=1000.0) == "used"
    assert q.view(quote)["expires_at"] == 1600


def test_fx_source_documents():
    rates = q.parse_source({"base_code": "USD", "rates": {"CNY": 7.1, "EUR": "0.9", "XXX": 1, "JPY": -1}},
                           "USD", {"CNY", "EUR", "JPY"})
    assert rates == [("USD", "CNY", Decimal("7.1")), ("USD", "EUR", Decimal("0.9"))]
    with pytest.raises(q.RateError):
        q.parse_source({"rates": "nope"}, "USD", {"CNY"})
    with pytest.raises(q.RateError):
        q.parse_source({"base": "XYZ", "rates": {}}, "USD", {"CNY"})


def test_audit_arithmetic_finds_money_created_from_nothing():
    ok = rules.AccountCheck("wallet:1", "CNY", 100, 100, 1, 1, 100, 0)
    sys = rules.AccountCheck("sys:revenue:CNY:0", "CNY", -100, -100, 1, 1, None, None)
    journal = {"t1": {"legs": [{"account": "wallet:1", "currency": "CNY", "amount": 100},
                               {"account": "sys:revenue:CNY:0", "currency": "CNY", "amount": -100}]}}
    entries = {"t1": [("wallet:1", 100), ("sys:revenue:CNY:0", -100)]}
    assert rules.audit_problems([ok, sys], journal, entries) == []
    created = rules.AccountCheck("wallet:1", "CNY", 150, 100, 1, 1, 150, 0)
    problems = rules.audit_problems([created, sys], journal, entries)
    assert any("balance 150 != entries 100" in p for p in problems)
    assert any("ledger sums to 50" in p for p in problems)
