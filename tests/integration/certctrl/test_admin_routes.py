"""The admin API on the template's stack: only a signed-in user with the admin role (granted and revoked by the
seed command) gets in; users and their wallets, the activation resend, top-ups settled / rejected / reactivated as
ledger transitions (Idempotency-Key honoured), plans and markets, FX rates, seeds and keyrings; every write is in
the admin audit; the deposit scan credits a stablecoin top-up made through the wallet routes, once."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from certctrl import seed
from certctrl.handlers import money_jobs
from certctrl.logic import money_jobs as jobs_logic
from certctrl.logic import wallets
from tests.integration.certctrl.conftest import fresh_address
from tests.integration.certctrl.money_support import key, keyed, make_admin, new_admin, payment_gateways
from tests.integration.certctrl.support import api_key, bearer, last_code, mails, new_account, register, unique
from tests.support.api_client import ApiClient
from tests.support.fake_evm_node import FakeEvmNode
from tests.support.lambda_events import FakeLambdaContext

FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
ABANDON = "abandon " * 11 + "about"


@pytest.fixture(scope="module")
def world(moto_stack):
    with pytest.MonkeyPatch.context() as monkeypatch:
        client = ApiClient(moto_stack, "certctrl", monkeypatch, source_ip=fresh_address())
        with payment_gateways(client) as gateways:
            yield {"client": client, "gateways": gateways, "admin": new_admin(client)}


@pytest.fixture
def client(world):
    world["client"].source_ip = fresh_address()
    return world["client"]


@pytest.fixture(autouse=True)
def _ledger_balances(world):
    yield
    world["client"].use_env("certctrl.AdminFunction")
    audit = wallets.audit()
    assert audit["ok"], audit["problems"][:5]


def admin_audit(client, capsys) -> list[dict]:
    env = client.use_env("certctrl.AdminFunction")
    capsys.readouterr()
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    assert seed.main(["--ledger-table", env["LEDGER_TABLE"], "admin-audit", today]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]


def test_only_an_administrator_gets_in_and_the_role_is_granted_and_revoked_by_the_seed_command(client):
    account = new_account(client)
    assert client.get("/apiv1/admin/users", headers=account.headers).status == 403
    assert client.get("/apiv1/admin/users").status == 401
    _id, token = api_key(client, account, [{"obtype": "wallets", "obid": "*", "actions": ["read"]}])
    assert client.get("/apiv1/admin/users", headers=bearer(token)).status == 401  # no keys on admin routes
    make_admin(client, account)
    assert client.get("/apiv1/admin/users", headers=account.headers).status == 200
    make_admin(client, account, revoke=True)
    assert client.get("/apiv1/admin/users", headers=account.headers).status == 403


def test_users_newest_first_by_email_and_their_wallets(client, world):
    admin = world["admin"]
    account = new_account(client)
    page = client.get("/apiv1/admin/users", query={"limit": 2}, headers=admin.headers).json
    assert page["data"][0]["id"] == account.user_id
    assert page["total"] >= account.user_id
    assert len(page["data"]) == 2
    found = client.get("/apiv1/admin/users", query={"email": account.email.upper()}, headers=admin.headers).json
    assert [(u["id"], u["state"], u["roles"]) for u in found["data"]] == [(account.user_id, "ACTIVE", [])]
    assert client.get(f"/apiv1/admin/users/{account.user_id}/wallets", headers=admin.headers).json["data"] == []
    client.get(f"/apiv1/users/{account.user_id}/wallets", headers=account.headers)  # the user's own view opens them
    assert len(client.get(f"/apiv1/admin/users/{account.user_id}/wallets", headers=admin.headers).json["data"]) == 4
    assert client.get("/apiv1/admin/users/99999999/wallets", headers=admin.headers).status == 404


def test_the_activation_resend_mails_a_new_code_that_works(client, world, capsys):
    admin = world["admin"]
    name = unique()
    email = f"{name}@example.com"
    assert register(client, email, name).status == 200
    user_id = client.get("/apiv1/admin/users", query={"email": email}, headers=admin.headers).json["data"][0]["id"]
    first = last_code(client, email)
    answer = client.post(f"/apiv1/admin/users/{user_id}/resend-activation-email", headers=admin.headers)
    assert answer.json == {"data": {"status": "activation_email_sent"}}
    assert len(mails(client, email)) == 2
    code = last_code(client, email)
    if code != first:
        assert client.post("/auth/general", {"action": "activate-user", "email": email,
                                             "verify_code": first}).status == 400
    assert client.post("/auth/general", {"action": "activate-user", "email": email,
                                         "verify_code": code}).status == 200
    assert client.post(f"/apiv1/admin/users/{user_id}/resend-activation-email",
                       headers=admin.headers).status == 409
    entries = admin_audit(client, capsys)
    assert {"actor": f"admin:{admin.user_id}", "action": "user.activation.resend",
            "target": f"user:{user_id}"}.items() <= next(e for e in reversed(entries)
                                                         if e["action"] == "user.activation.resend").items()


def test_a_reviewed_top_up_settled_rejected_and_reactivated_with_keys(client, world, capsys):
    admin, alipay = world["admin"], world["gateways"].alipay
    account = new_account(client)
    order = client.post(f"/apiv1/users/{account.user_id}/alipay/page-pay", {"amount": 5000},
                        headers=keyed(account)).json["data"]
    body = alipay.notify(out_trade_no=order["out_trade_no"], total_amount="49.00", trade_no="T-review-1")
    assert client.post("/apiv1/alipay/notify", raw_body=body, headers=FORM).text == "success"
    review = client.get("/apiv1/admin/wallet-topups", query={"state": "review", "limit": 1000},
                        headers=admin.headers).json
    assert order["id"] in [t["id"] for t in review["data"]]
    assert review["total"] >= 1
    settle = f"/apiv1/admin/wallet-topups/{order['id']}/settle"
    headers = {**admin.headers, **key()}
    settled = client.post(settle, {"reason": "paid 49 by mistake"}, headers=headers)
    assert settled.status == 200, settled.text
    assert (settled.json["data"]["state"], settled.json["data"]["credited_amount"]) == ("succeeded", 4900)
    assert client.post(settle, {"reason": "paid 49 by mistake"}, headers=headers).json == settled.json  # replayed
    assert client.post(settle, {"reason": "again"}, headers=headers).status == 422  # the key, another request
    assert client.post(settle, headers=admin.headers).status == 409  # credited once
    cny = next(w for w in client.get(f"/apiv1/users/{account.user_id}/wallets", headers=account.headers).json["data"]
               if w["currency"] == "CNY")
    assert cny["balance"] == 4900
    rejected = client.post(f"/apiv1/admin/wallet-topups/{order['id']}/reject", {"reason": "chargeback"},
                           headers=admin.headers)
    assert rejected.json["data"]["state"] == "reversed"
    assert client.get(f"/apiv1/users/{account.user_id}/wallets/{cny['id']}",
                      headers=account.headers).json["data"]["balance"] == 0
    again = client.post(f"/apiv1/admin/wallet-topups/{order['id']}/reactivate", headers=admin.headers)
    assert again.json["data"]["state"] == "pending"
    assert client.post(f"/apiv1/admin/wallet-topups/{order['id']}/reactivate", headers=admin.headers).status == 409
    assert client.post("/apiv1/admin/wallet-topups/99999999/settle", headers=admin.headers).status == 404
    actions = [(e["action"], e["target"]) for e in admin_audit(client, capsys)]
    for action in ("topup.settle", "topup.reject", "topup.reactivate"):
        assert (action, f"topup:{order['id']}") in actions


def test_plans_with_versions_markets_and_fx_rates(client, world, capsys):
    admin = world["admin"]
    plan_id = f"team-{unique('p')}"
    plans = "/apiv1/admin/pricing/plans"
    body = {"plan_id": plan_id, "name": "Team", "prices": {"CNY": 19900, "USD": 2900}, "period_days": 30,
            "features": {"devices": 200}}
    created = client.post(plans, body, headers=admin.headers)
    assert created.status == 201, created.text
    assert client.post(plans, body, headers=admin.headers).status == 409
    assert client.get(f"{plans}/{plan_id}", headers=admin.headers).json["data"] == created.json["data"]
    update = {"name": "Team+", "prices": {"CNY": 24900}, "version": 1}
    changed = client.put(f"{plans}/{plan_id}", update, headers=admin.headers)
    assert (changed.status, changed.json["data"]["version"]) == (200, 2)
    assert client.put(f"{plans}/{plan_id}", update, headers=admin.headers).status == 409  # version 1 is stale
    assert plan_id in [p["id"] for p in client.get(plans, headers=admin.headers).json["data"]]
    markets = client.post("/apiv1/admin/pricing/markets/reload", headers=admin.headers).json["data"]["markets"]
    assert plan_id in markets["CNY"]
    assert client.delete(f"{plans}/{plan_id}", headers=admin.headers).status == 204
    assert client.get(f"{plans}/{plan_id}", headers=admin.headers).status == 404
    reloaded = client.post(f"{plans}/reload", headers=admin.headers).json["data"]
    assert reloaded["plans"] >= 2
    rate = client.post("/apiv1/admin/fx-rates", {"base": "eur", "quote": "CNY", "rate": "7.81"}, headers=admin.headers)
    assert rate.json["data"] == {**rate.json["data"], "base": "EUR", "quote": "CNY", "rate": "7.81", "source": "admin"}
    listed = client.get("/apiv1/admin/fx-rates", headers=admin.headers).json["data"]
    assert {"base": "EUR", "quote": "CNY", "rate": "7.81"}.items() <= next(
        r for r in listed if (r["base"], r["quote"]) == ("EUR", "CNY")).items()
    public = client.get("/apiv1/fx-rates").json["data"]  # the catalogue serves what the admin wrote
    assert any((r["base"], r["quote"], r["rate"]) == ("EUR", "CNY", "7.81") for r in public)
    actions = {e["action"] for e in admin_audit(client, capsys)}
    assert {"pricing.plan.create", "pricing.plan.update", "pricing.plan.delete", "pricing.markets.reload",
            "pricing.plans.reload", "fx.rate.set"} <= actions


def test_seeds_keyrings_and_a_deposit_credited_once_by_the_scan(client, world):
    admin = world["admin"]
    seed_answer = client.post("/apiv1/admin/stablecoin-seeds", {"words": 12, "label": "test"}, headers=admin.headers)
    assert seed_answer.status == 201
    assert len(seed_answer.json["data"]["mnemonic"].split()) == 12
    seeds = client.get("/apiv1/admin/stablecoin-seeds", headers=admin.headers).json["data"]
    assert seed_answer.json["data"]["id"] in [s["id"] for s in seeds]
    assert "mnemonic" not in json.dumps(seeds)
    derived = client.post("/apiv1/admin/stablecoin-keyrings",
                          {"seed_id": seed_answer.json["data"]["id"], "chain": "ethereum", "count": 2},
                          headers=admin.headers)
    assert derived.status == 201
    assert [k["state"] for k in derived.json["data"]] == ["available", "available"]
    imported = client.post("/apiv1/admin/stablecoin-keyrings/import", {"chain": "ethereum", "mnemonic": ABANDON},
                           headers=admin.headers)
    assert imported.status == 201, imported.text
    assert client.post("/apiv1/admin/stablecoin-keyrings/import", {"chain": "ethereum", "mnemonic": "abandon " * 12},
                       headers=admin.headers).status == 400

    account = new_account(client)
    usdt = next(w for w in client.get(f"/apiv1/users/{account.user_id}/wallets", headers=account.headers).json["data"]
                if w["currency"] == "USDT")
    order = client.post(f"/apiv1/users/{account.user_id}/wallets/{usdt['id']}/topups",
                        {"channel": "stablecoin", "chain": "ethereum", "amount": 25_000_000}, headers=keyed(account))
    assert order.status == 201, order.text
    order = order.json["data"]
    assigned = client.get("/apiv1/admin/stablecoin-keyrings", query={"chain": "ethereum", "state": "assigned"},
                          headers=admin.headers).json["data"]
    keyring = next(k for k in assigned if k["address"] == order["address"])
    assert keyring["user_id"] == account.user_id

    contract = bytes.fromhex("dAC17F958D2ee523a2206206994597C13D831ec7")
    with FakeEvmNode(head=500) as node:
        client.overrides.update({"STABLECOIN_RPC_URLS": json.dumps({"ethereum": node.url}),
                                 "STABLECOIN_CONFIRMATIONS": "3"})
        try:
            node.transfer(contract, jobs_logic.raw_address("ethereum", order["address"]), 25_000_000)
            node.transfer(bytes(19) + b"\x01", jobs_logic.raw_address("ethereum", order["address"]), 99)  # not USDT
            node.head += 3
            client.use_env("certctrl.MoneyJobsFunction")
            for _ in range(2):  # a repeated run credits nothing more
                result = money_jobs.handler({"job": "deposit-scan", "chain": "ethereum"}, FakeLambdaContext())
                assert result["job"] == "deposit-scan"
        finally:
            for name in ("STABLECOIN_RPC_URLS", "STABLECOIN_CONFIRMATIONS"):
                client.overrides.pop(name)
    balance = client.get(f"/apiv1/users/{account.user_id}/wallets/{usdt['id']}", headers=account.headers)
    assert balance.json["data"]["balance"] == 25_000_000
    topup = client.get(f"/apiv1/users/{account.user_id}/wallets/{usdt['id']}/topups/{order['id']}",
                       headers=account.headers).json["data"]
    assert topup["state"] == "succeeded"

    release = f"/apiv1/admin/stablecoin-keyrings/{keyring['id']}/release"
    assert client.post(release, headers=admin.headers).json["data"]["state"] == "available"
    assert client.post(release, headers=admin.headers).status == 409
    retire = f"/apiv1/admin/stablecoin-keyrings/{keyring['id']}/retire"
    assert client.post(retire, headers=admin.headers).json["data"]["state"] == "retired"
    assert client.post(retire, headers=admin.headers).status == 409


def test_the_fx_fetch_job_is_skipped_without_a_source(client):
    client.use_env("certctrl.MoneyJobsFunction")
    assert money_jobs.handler({"job": "fx-rates"}, FakeLambdaContext()) == {
        "job": "fx-rates", "fetched": 0, "skipped": "FX_SOURCE_URL is not set"}
    scanned = money_jobs.handler({"job": "deposit-scan"}, FakeLambdaContext())
    assert {c["chain"]: c.get("skipped") for c in scanned["chains"]} == {
        "ethereum": "no JSON-RPC node in STABLECOIN_RPC_URLS", "tron": "no JSON-RPC node in STABLECOIN_RPC_URLS"}


def test_the_fx_fetch_job_writes_the_source_s_rates_and_a_failing_source_keeps_them(client, world):
    from devstack.fake_provider import FakeProvider  # noqa: PLC0415

    with FakeProvider() as source:
        source.respond(json={"base": "USD", "rates": {"CNY": 7.33, "XXX": 1, "USDT": "1.0002"}}, path="/latest",
                       times=1)
        source.respond(503, json={"error": "down"}, path="/latest")
        client.overrides["FX_SOURCE_URL"] = source.url + "/latest"
        try:
            client.use_env("certctrl.MoneyJobsFunction")
            assert money_jobs.handler({"job": "fx-rates"}, FakeLambdaContext()) == {"job": "fx-rates", "fetched": 2}
            failed = money_jobs.handler({"job": "fx-rates"}, FakeLambdaContext())
            assert failed["fetched"] == 0
            assert failed["error"]
        finally:
            client.overrides.pop("FX_SOURCE_URL")
    rates = {(r["base"], r["quote"]): r for r in
             client.get("/apiv1/admin/fx-rates", headers=world["admin"].headers).json["data"]}
    assert (rates[("USD", "CNY")]["rate"], rates[("USD", "CNY")]["source"]) == ("7.33", "fetch")
