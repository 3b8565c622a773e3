"""The ledger's bar: thousands of random money operations, run concurrently on threads against moto, with
retried idempotency keys, repeated and forged notifies, reversals and admin transitions, never create or lose
money. After every batch: each currency sums to zero, every balance equals its entries, every journal
transaction balances, no wallet is below its floor, the channel's clearing account holds exactly what the
succeeded top-ups credited (each trade once), and every retry of a key answered what the first request did."""

from __future__ import annotations

import itertools
import json
import os
import random
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from certctrl.logic import ledger as rules
from certctrl.logic import payments, pricing, topups, wallets
from certctrl.store import ledger as ledger_store
from certctrl.store import payment_secrets
from certctrl.store import topups as topup_store
from certctrl.store import wallets as wallet_store
from tests.support.certctrl_money import money_tables
from tests.support.fake_payment_gateways import FakeAlipay

USERS = range(1, 6)
_keys = itertools.count(1)
TALLY: Counter = Counter()  # what the run did, printed at the end (pytest -s) for the long run's report


@pytest.fixture(scope="module")
def world():
    alipay = FakeAlipay()
    with pytest.MonkeyPatch.context() as monkeypatch, mock_aws():
        arn = boto3.client("secretsmanager", region_name="us-east-1").create_secret(
            Name=f"alipay-property-{uuid.uuid4().hex}", SecretString=json.dumps(alipay.secret))["ARN"]
        with money_tables(monkeypatch, ALIPAY_APP_ID=alipay.APP_ID, ALIPAY_SECRET_ARN=arn):
            payment_secrets.forget()
            pricing.set_rate("USD", "CNY", "7.2", "admin:test")
            for user in USERS:
                wallets.open_wallet(user, "CNY", credit_limit=2_000)
                wallets.open_wallet(user, "USD")
            yield alipay
            report = wallets.audit(["CNY", "USD"])
            print(f"\nmoney property: {dict(sorted(TALLY.items()))}; ledger: {report['transactions']} transactions, "
                  f"{report['accounts']} accounts, totals {report['totals']}")


amounts = st.integers(1, 5_000)
users = st.sampled_from(list(USERS))
operation = st.one_of(
    st.tuples(st.just("notify"), users, amounts, st.sampled_from(["genuine", "forged", "tampered", "mismatch"]),
              st.integers(1, 3)),
    st.tuples(st.just("charge"), users, amounts, st.booleans(), st.integers(1, 3)),
    st.tuples(st.just("convert"), users, st.integers(100, 3_000), st.integers(1, 3)),
    st.tuples(st.just("reverse"), st.integers(0, 10**6)),
    st.tuples(st.just("settle"), users),
    st.tuples(st.just("reject"), st.integers(0, 10**6)),
    st.tuples(st.just("reactivate"), st.integers(0, 10**6)),
)


class Run:
    """One batch's shared memory: posted transactions and top-ups (for reversals and admin actions), and the
    answers of every retried key."""

    def __init__(self, alipay: FakeAlipay) -> None:
        self.alipay = alipay
        self.txns: list[str] = []
        self.topups: list[int] = []
        self.replays: list[tuple[str, list]] = []

    def answers(self, call, repeats: int) -> list:
        """The same request `repeats` times, concurrently: each answer (a result or an error's status)."""
        def once(_):
            try:
                return ("ok", call())
            except wallets.ApiError as error:
                return ("error", error.status)
        TALLY["calls"] += repeats
        with ThreadPoolExecutor(repeats) as pool:
            return list(pool.map(once, range(repeats)))

    def do(self, op: tuple) -> None:
        kind, status = op[0], None
        TALLY["operations"] += 1
        TALLY[f"op:{kind}"] += 1
        try:
            getattr(self, kind)(*op[1:])
        except wallets.ApiError as error:
            status = error.status  # refusals the rules allow: no money, a state that does not allow it
        TALLY[f"refused:{status}" if status else "done"] += 1
        assert status in (None, 402, 404, 409), op

    def notify(self, user: int, amount: int, how: str, repeats: int) -> None:
        order = payments.alipay_page_pay(user, amount=amount, key=f"order-{next(_keys)}")
        self.topups.append(order["id"])
        total = rules.to_major(amount, "CNY")
        body = {
            "genuine": lambda: self.alipay.notify(out_trade_no=order["out_trade_no"], total_amount=total),
            "forged": lambda: self.alipay.notify(out_trade_no=order["out_trade_no"], total_amount=total,
                                                 key=self.alipay.forger_key),
            "tampered": lambda: self.alipay.notify(out_trade_no=order["out_trade_no"],  # signed for another amount
                                                   total_amount=rules.to_major(amount + 1, "CNY"),
                                                   tamper={"total_amount": total}),
            "mismatch": lambda: self.alipay.notify(out_trade_no=order["out_trade_no"],
                                                   total_amount=rules.to_major(amount + 1, "CNY")),
        }[how]()
        answers = self.answers(lambda: payments.alipay_notify(body), repeats)
        expected = (200, "success") if how in ("genuine", "mismatch") else (400, "failure")
        assert answers == [("ok", expected)] * repeats
        if how in ("forged", "tampered"):  # never credited (a concurrent admin may have rejected it)
            assert topup_store.get(order["id"])["state"] in ("pending", "rejected")

    def charge(self, user: int, amount: int, outstanding: bool, repeats: int) -> None:
        wallet = wallet_store.wallet_of(user, "CNY")
        key = f"charge-{next(_keys)}"
        answers = self.answers(lambda: wallets.issue_charge(user, wallet["wallet_id"], amount, key=key,
                                                            allow_outstanding=outstanding), repeats)
        self.replays.append((key, answers))
        if answers[0][0] == "ok":
            self.txns.append(answers[0][1]["txn_id"])

    def convert(self, user: int, amount: int, repeats: int) -> None:
        quote = pricing.create_quote(user, {"purpose": "conversion", "source_currency": "CNY",
                                            "target_currency": "USD", "source_amount": amount})
        key = f"convert-{next(_keys)}"
        answers = self.answers(lambda: pricing.convert(user, quote["id"], key=key), repeats)
        self.replays.append((key, answers))
        if answers[0][0] == "ok":
            self.txns.append(answers[0][1]["txn_id"])

    def reverse(self, pick: int) -> None:
        if self.txns:
            wallets.reverse(self.txns[pick % len(self.txns)], reason="property", actor="admin:test")

    def settle(self, user: int) -> None:
        for wallet in wallets.list_wallets(user):
            if wallet["currency"] == "CNY":
                wallets.settle_outstanding(user, wallet["id"])

    def reject(self, pick: int) -> None:
        if self.topups:
            topups.reject(self.topups[pick % len(self.topups)], "admin:test", reason="property")

    def reactivate(self, pick: int) -> None:
        if self.topups:
            topups.reactivate(self.topups[pick % len(self.topups)], "admin:test", reason="property")


def check_everything(run: Run) -> None:
    report = wallets.audit(["CNY", "USD"])
    assert report["ok"], report["problems"][:10]
    for user in USERS:
        for wallet in wallets.list_wallets(user):
            assert wallet["balance"] >= 0
            assert 0 <= wallet["outstanding"] <= wallet["credit_limit"]
    clearing = sum(int(ledger_store.account(rules.system_account(rules.CLEARING, "CNY", s, "alipay"))
                       .get("balance", 0)) for s in range(4)
                   if ledger_store.account(rules.system_account(rules.CLEARING, "CNY", s, "alipay")))
    credited = sum(int(t["credited_amount"]) for user in USERS for t in topup_store.of_user(user, limit=10_000)
                   if t["state"] == "succeeded")
    assert -clearing == credited
    for key, answers in run.replays:
        assert all(answer == answers[0] for answer in answers), (key, answers)


# Batches of 60-140 operations: make test runs 1; MONEY_PROPERTY_EXAMPLES=12 runs ~1,200.
EXAMPLES = int(os.environ.get("MONEY_PROPERTY_EXAMPLES", "1"))


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(ops=st.lists(operation, min_size=60, max_size=140), seed=st.integers(0, 2**32 - 1))
def test_random_concurrent_money_operations_never_create_or_lose_money(world, ops, seed):
    run = Run(world)
    TALLY["batches"] += 1
    random.Random(seed).shuffle(ops)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(run.do, ops))
    check_everything(run)
