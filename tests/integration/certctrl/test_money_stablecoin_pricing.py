"""On moto: stablecoin seeds sealed with KMS, keyrings (derive, import, release, retire), deposits found by the
scanner credited once; quotes that expire and lock their rate, conversions, plan payments and the current plan."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from moto import mock_aws

from certctrl import clock
from certctrl.logic import ledger as rules
from certctrl.logic import pricing, stablecoin, topups, wallets
from certctrl.store import money_common
from certctrl.store import stablecoin as coin_store
from suite import dynamo
from tests.support.certctrl_money import money_tables
from tests.support.fake_chain import FakeChain

ABANDON = "abandon " * 11 + "about"


@pytest.fixture
def env(monkeypatch):
    with mock_aws(), money_tables(monkeypatch, STABLECOIN_CONFIRMATIONS="3") as names:
        yield names


def test_seeds_are_sealed_and_answered_once(env):
    created = stablecoin.create_seed("admin:1", words=12)
    assert len(created["mnemonic"].split()) == 12
    stored = dynamo.get(money_common.table(), "SEEDS", f"SEED#{created['id']:012d}")
    assert created["mnemonic"] not in str(stored)
    assert stored["sealed"].startswith("v1.")
    assert "mnemonic" not in stablecoin.list_seeds()[0]
    assert "sealed" not in stablecoin.list_seeds()[0]


def test_imported_words_derive_the_known_addresses_and_addresses_are_unique(env):
    made = stablecoin.import_keyrings("admin:1", {"chain": "ethereum", "mnemonic": ABANDON, "count": 2})
    assert made["keyrings"][0]["address"] == "0x9858EfFD232B4033E47d90003D41EC34EcaEda94"
    assert made["keyrings"][0]["path"] == "m/44'/60'/0'/0/0"
    tron = stablecoin.derive_keyrings("admin:1", seed_id=made["seed"]["id"], chain="tron")
    assert tron[0]["address"] == "TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH"
    again = stablecoin.import_keyrings("admin:1", {"chain": "ethereum",
                                                   "addresses": ["0x9858effd232b4033e47d90003d41ec34ecaeda94"]})
    assert again["skipped"] == ["0x9858EfFD232B4033E47d90003D41EC34EcaEda94"]
    with pytest.raises(wallets.ApiError):
        stablecoin.import_keyrings("admin:1", {"chain": "ethereum", "mnemonic": "abandon " * 12})


def test_a_deposit_is_credited_once_however_often_it_is_scanned(env):
    stablecoin.import_keyrings("admin:1", {"chain": "tron", "mnemonic": ABANDON, "count": 1})
    wallet = wallets.open_wallet(5, "USDT")
    order = stablecoin.deposit_topup(5, wallet["wallet_id"], chain="tron", amount=25_000_000, key="d1")
    assert order["address"] == "TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH"
    chain = FakeChain("tron", head=100)
    chain.send(order["address"], 25_000_000)
    assert stablecoin.scan(chain)["transfers"] == 0  # not confirmed yet
    chain.mine(3)
    with ThreadPoolExecutor(3) as pool:  # scanners racing over the same blocks
        list(pool.map(lambda _: stablecoin.scan(chain), range(3)))
    coin_store.advance_cursor("tron", 0)  # never moves back
    assert coin_store.cursor("tron") == chain.head() - 2
    assert wallets.get_wallet(5, wallet["wallet_id"])["balance"] == 25_000_000
    assert topups.get(5, order["id"])["state"] == "succeeded"
    assert wallets.audit(["USDT"])["ok"]


def test_unexpected_deposits_go_to_review_or_orphans(env):
    made = stablecoin.import_keyrings("admin:1", {"chain": "ethereum", "mnemonic": ABANDON, "count": 2})
    wallet = wallets.open_wallet(6, "USDC")
    order = stablecoin.deposit_topup(6, wallet["wallet_id"], chain="ethereum", amount=1_000_000, key="d")
    chain = FakeChain("ethereum", head=10)
    chain.send(order["address"], 999_999, token="USDC")
    free = next(k["address"] for k in made["keyrings"] if k["address"] != order["address"])
    chain.send(free, 5, token="USDC")
    chain.mine(5)
    assert stablecoin.scan(chain)["outcomes"] == {"review": 1, "orphan": 1}
    assert wallets.get_wallet(6, wallet["wallet_id"])["balance"] == 0
    assert topups.settle(order["id"], "admin:1", reason="short by one unit")["credited_amount"] == 999_999
    assert len(coin_store.orphans("ethereum")) == 1
    keyring = stablecoin.deposit_address(6, "ethereum")
    assert stablecoin.retire(keyring["id"], "admin:1")["state"] == "retired"
    assert stablecoin.deposit_address(6, "ethereum")["address"] != keyring["address"]
    with pytest.raises(wallets.ApiError):
        stablecoin.release(keyring["id"], "admin:1")


def test_quotes_lock_the_rate_and_expire(env, monkeypatch):
    pricing.set_rate("USD", "CNY", "7.2", "admin:1")
    wallets.open_wallet(7, "CNY")
    user_wallet = wallets.list_wallets(7)[0]
    at = wallets.now_ms()
    txn = rules.new_txn_id(at)
    wallets.post(rules.topup(rules.wallet_account(user_wallet["id"]), "CNY", 10_000, channel="admin", shard=0,
                             memo={}), txn_id=txn, at_ms=at, result={})
    quote = pricing.create_quote(7, {"purpose": "conversion", "source_currency": "CNY", "target_currency": "USD",
                                     "source_amount": 7_200})
    assert quote["target_amount"] == 1_000
    pricing.set_rate("USD", "CNY", "1", "admin:1")  # the quote keeps its rate
    done = pricing.convert(7, quote["id"], key="c1")
    assert (done["from_amount"], done["to_amount"]) == (7_200, 1_000)
    assert pricing.convert(7, quote["id"], key="c1") == done
    # A retry that looked for a replay just before the first one finished (the property test's concurrent
    # retries found it): it meets the used quote, and answers the first one's result, not a 409.
    real_replay = wallets.replay
    looks = iter([None])
    monkeypatch.setattr(wallets, "replay", lambda idem: next(looks, real_replay(idem)))
    assert pricing.convert(7, quote["id"], key="c1") == done
    monkeypatch.setattr(wallets, "replay", real_replay)
    with pytest.raises(wallets.ApiError) as used:
        pricing.convert(7, quote["id"], key="c2")
    assert used.value.status == 409
    late = pricing.create_quote(7, {"purpose": "conversion", "source_currency": "CNY", "target_currency": "USD",
                                    "source_amount": 100})
    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: real_now() + 601)
    assert pricing.get_quote(7, late["id"])["state"] == "expired"
    with pytest.raises(wallets.ApiError) as expired:
        pricing.convert(7, late["id"], key="c3")
    assert expired.value.status == 409
    balances = {w["currency"]: w["balance"] for w in wallets.list_wallets(7)}
    assert balances == {"CNY": 2_800, "USD": 1_000}
    assert wallets.audit(["CNY", "USD"])["ok"]


def test_paying_a_plan_sets_and_extends_the_current_plan(env):
    pricing.reload_plans("admin:1")
    pricing.set_rate("USD", "CNY", "7", "admin:1")
    wallet = wallets.open_wallet(8, "USD")
    at = wallets.now_ms()
    wallets.post(rules.topup(wallet["account"], "USD", 4_000, channel="admin", shard=0, memo={}),
                 txn_id=rules.new_txn_id(at), at_ms=at, result={})
    assert pricing.current_plan(8)["plan"]["id"] == "free"
    quote = pricing.create_quote(8, {"purpose": "payment", "plan_id": "pro", "pay_currency": "USD"})
    assert (quote["source_amount"], quote["target_currency"]) == (1_500, "USD")  # the plan's own USD price
    first = pricing.pay(8, quote["id"], key="p1")
    assert pricing.pay(8, quote["id"], key="p1") == first
    second = pricing.pay(8, pricing.create_quote(8, {"purpose": "payment", "plan_id": "pro",
                                                     "pay_currency": "USD"})["id"], key="p2")
    current = pricing.current_plan(8)
    assert current["plan"]["id"] == "pro"
    assert current["until"] == second["plan_until"] == first["plan_until"] + 30 * 86400 * 1000
    assert wallets.get_wallet(8, wallet["wallet_id"])["balance"] == 1_000
    with pytest.raises(wallets.ApiError) as poor:
        pricing.pay(8, pricing.create_quote(8, {"purpose": "payment", "plan_id": "pro",
                                                "pay_currency": "USD"})["id"], key="p3")
    assert poor.value.status == 402
    assert wallets.audit(["USD"])["ok"]


def test_plan_updates_need_the_version_they_read(env):
    plan = pricing.create_plan({"plan_id": "team", "name": "Team", "prices": {"CNY": 19_900}}, "admin:1")
    assert plan["version"] == 1
    updated = pricing.update_plan("team", {"name": "Team+", "prices": {"CNY": 29_900}}, "admin:1")
    assert updated["version"] == 2
    with pytest.raises(wallets.ApiError):
        pricing.create_plan({"plan_id": "team", "name": "again"}, "admin:1")
    with pytest.raises(wallets.ApiError):
        pricing.create_plan({"plan_id": "bad", "name": "x", "prices": {"XXX": 1}}, "admin:1")
    pricing.delete_plan("team", "admin:1")
    with pytest.raises(wallets.ApiError):
        pricing.get_plan("team")
