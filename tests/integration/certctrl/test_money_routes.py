"""The wallets and payments routes on the template's stack (moto), with the payment fakes' keys in the template's
secrets: top-ups through Alipay and WeChat Pay with their notifies through the public routes (a forged notify is
refused and credits nothing, a genuine one credits exactly once), charges, quotes, conversions, plan payments,
Idempotency-Key on every money-moving POST, API key scopes; the ledger audit holds after each test."""

from __future__ import annotations

import pytest

from certctrl.logic import wallets
from tests.integration.certctrl.conftest import fresh_address
from tests.integration.certctrl.money_support import key, keyed, new_admin, payment_gateways
from tests.integration.certctrl.support import api_key, bearer, new_account
from tests.support.api_client import ApiClient

FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


@pytest.fixture(scope="module")
def world(moto_stack):
    with pytest.MonkeyPatch.context() as monkeypatch:
        client = ApiClient(moto_stack, "certctrl", monkeypatch, source_ip=fresh_address())
        with payment_gateways(client) as gateways:
            admin = new_admin(client)
            assert client.post("/apiv1/admin/fx-rates", {"base": "USD", "quote": "CNY", "rate": "7.2"},
                               headers=admin.headers).status == 200
            assert client.post("/apiv1/admin/pricing/plans/reload", headers=admin.headers).status == 200
            yield {"client": client, "gateways": gateways, "admin": admin}


@pytest.fixture
def client(world):
    world["client"].source_ip = fresh_address()
    return world["client"]


@pytest.fixture(autouse=True)
def _ledger_balances(world):
    yield
    world["client"].use_env("certctrl.MoneyFunction")
    audit = wallets.audit()
    assert audit["ok"], audit["problems"][:5]


def wallet_of(client, account, currency: str) -> dict:
    listed = client.get(f"/apiv1/users/{account.user_id}/wallets", headers=account.headers)
    assert listed.status == 200, listed.text
    return next(w for w in listed.json["data"] if w["currency"] == currency)


def alipay_order(client, account, amount: int, **extra) -> dict:
    answer = client.post(f"/apiv1/users/{account.user_id}/alipay/page-pay", {"amount": amount, **extra},
                         headers=keyed(account))
    assert answer.status == 201, answer.text
    return answer.json["data"]


def notify_alipay(client, body: bytes):
    return client.post("/apiv1/alipay/notify", raw_body=body, headers=FORM)


def test_a_new_user_sees_one_empty_wallet_per_currency(client):
    account = new_account(client)
    answer = client.get(f"/apiv1/users/{account.user_id}/wallets", headers=account.headers)
    assert answer.status == 200
    assert {w["currency"] for w in answer.json["data"]} == {"CNY", "USD", "USDT", "USDC"}
    assert answer.json["total"] == 4
    assert all(w["balance"] == 0 and w["balance_display"] for w in answer.json["data"])
    again = client.get(f"/apiv1/users/{account.user_id}/wallets", headers=account.headers).json["data"]
    assert sorted(w["id"] for w in again) == sorted(w["id"] for w in answer.json["data"])  # opened once
    one = answer.json["data"][0]
    assert client.get(f"/apiv1/users/{account.user_id}/wallets/{one['id']}",
                      headers=account.headers).json["data"] == one
    other = new_account(client)
    assert client.get(f"/apiv1/users/{account.user_id}/wallets", headers=other.headers).status == 403
    assert client.get(f"/apiv1/users/{other.user_id}/wallets/{one['id']}", headers=other.headers).status == 404


def test_alipay_page_pay_needs_a_key_and_a_retried_key_answers_the_same_order(client, world):
    account = new_account(client)
    path = f"/apiv1/users/{account.user_id}/alipay/page-pay"
    assert client.post(path, {"amount": 100}, headers=account.headers).status == 400  # no Idempotency-Key
    headers = keyed(account)
    first = client.post(path, {"amount": 1234}, headers=headers)
    assert first.status == 201, first.text
    params = world["gateways"].alipay.check_page_pay(first.json["data"]["pay_url"])  # signed with our key
    assert params["notify_url"].endswith("/apiv1/alipay/notify")
    assert client.post(path, {"amount": 1234}, headers=headers).json == first.json
    assert client.post(path, {"amount": 999}, headers=headers).status == 422  # the key, another request
    listed = client.get(f"/apiv1/users/{account.user_id}/wallet-topups", headers=account.headers).json
    assert listed["total"] == 1
    assert listed["data"][0]["state"] == "pending"


def test_a_genuine_alipay_notify_through_the_route_credits_exactly_once(client, world):
    alipay = world["gateways"].alipay
    account = new_account(client)
    order = alipay_order(client, account, 5000)
    body = alipay.notify(out_trade_no=order["out_trade_no"], total_amount="50.00", trade_no="2026120700001")
    answers = [notify_alipay(client, body) for _ in range(3)]
    assert [(a.status, a.text, a.headers["content-type"].split(";")[0]) for a in answers] == \
        [(200, "success", "text/plain")] * 3
    assert wallet_of(client, account, "CNY")["balance"] == 5000
    topup = client.get(f"/apiv1/users/{account.user_id}/wallets/{order['wallet_id']}/topups/{order['id']}",
                       headers=account.headers).json["data"]
    assert topup["state"] == "succeeded"
    assert topup["credited_amount"] == 5000
    history = client.get(f"/apiv1/users/{account.user_id}/topup-history", headers=account.headers).json
    assert [t["id"] for t in history["data"]] == [order["id"]]


@pytest.mark.parametrize("forgery", ["other_key", "tampered_amount", "other_app", "unsigned", "garbage"])
def test_a_forged_alipay_notify_through_the_route_is_refused_and_credits_nothing(client, world, forgery):
    alipay = world["gateways"].alipay
    account = new_account(client)
    order = alipay_order(client, account, 5000)
    trade = order["out_trade_no"]
    body = {
        "other_key": alipay.notify(out_trade_no=trade, total_amount="50.00", key=alipay.forger_key),
        "tampered_amount": alipay.notify(out_trade_no=trade, total_amount="0.01", tamper={"total_amount": "50.00"}),
        "other_app": alipay.notify(out_trade_no=trade, total_amount="50.00", app_id="2021999999999999"),
        "unsigned": alipay.notify(out_trade_no=trade, total_amount="50.00", tamper={"sign": ""}),
        "garbage": b"sign=xyz&&&out_trade_no",
    }[forgery]
    answer = notify_alipay(client, body)
    assert (answer.status, answer.text) == (400, "failure")
    assert wallet_of(client, account, "CNY")["balance"] == 0
    topup = client.get(f"/apiv1/users/{account.user_id}/wallet-topups", headers=account.headers).json["data"][0]
    assert topup["state"] == "pending"


def test_wechat_native_pay_and_its_notify_through_the_route(client, world):
    wechat = world["gateways"].wechat
    account = new_account(client)
    headers = keyed(account)
    path = f"/apiv1/users/{account.user_id}/wechat/native-pay"
    order = client.post(path, {"amount": 1999}, headers=headers)
    assert order.status == 201, order.text
    order = order.json["data"]
    assert order["code_url"].startswith("weixin://wxpay/bizpayurl?pr=")
    assert client.post(path, {"amount": 1999}, headers=headers).json["data"]["code_url"] == order["code_url"]
    forged_headers, forged = wechat.notify(out_trade_no=order["out_trade_no"], total=1999, key=wechat.forger_key)
    refused = client.post("/apiv1/wechatpay/notify", raw_body=forged, headers=forged_headers)
    assert refused.status == 401
    assert refused.json == {"code": "FAIL", "message": "signature verification failed"}
    assert wallet_of(client, account, "CNY")["balance"] == 0
    genuine_headers, genuine = wechat.notify(out_trade_no=order["out_trade_no"], total=1999, transaction_id="42001")
    for _ in range(3):
        answer = client.post("/apiv1/wechatpay/notify", raw_body=genuine, headers=genuine_headers)
        assert (answer.status, answer.text) == (204, "")
    assert wallet_of(client, account, "CNY")["balance"] == 1999
    status = client.get(f"{path}/{order['out_trade_no']}/status", headers=account.headers)
    assert status.json["data"]["state"] == "succeeded"
    other = new_account(client)
    assert client.get(f"/apiv1/users/{other.user_id}/wechat/native-pay/{order['out_trade_no']}/status",
                      headers=other.headers).status == 404


def test_the_status_route_credits_a_paid_order_once(client, world):
    wechat = world["gateways"].wechat
    account = new_account(client)
    path = f"/apiv1/users/{account.user_id}/wechat/native-pay"
    order = client.post(path, {"amount": 800}, headers=keyed(account)).json["data"]
    assert client.get(f"{path}/{order['out_trade_no']}/status", headers=account.headers).json["data"]["state"] == \
        "pending"
    wechat.pay(order["out_trade_no"])
    for _ in range(2):
        assert client.get(f"{path}/{order['out_trade_no']}/status",
                          headers=account.headers).json["data"]["state"] == "succeeded"
    assert wallet_of(client, account, "CNY")["balance"] == 800


def test_charges_paid_outstanding_and_settled_by_a_top_up(client, world):
    account = new_account(client)
    cny = wallet_of(client, account, "CNY")
    charges = f"/apiv1/users/{account.user_id}/wallets/{cny['id']}/issue-charges"
    assert client.post(charges, {"amount": 500}, headers=account.headers).status == 400  # no key
    refused = client.post(charges, {"amount": 500}, headers=keyed(account, "c-1"))
    assert refused.status == 402
    assert client.post(charges, {"amount": 500}, headers=keyed(account, "c-1")).status == 402  # remembered
    order = alipay_order(client, account, 1000, wallet_id=cny["id"])
    notify_alipay(client, world["gateways"].alipay.notify(out_trade_no=order["out_trade_no"], total_amount="10.00"))
    paid = client.post(charges, {"amount": 700, "description": "renewal"}, headers=keyed(account, "c-2"))
    assert (paid.status, paid.json["data"]["state"]) == (201, "paid")
    assert client.post(charges, {"amount": 700, "description": "renewal"},
                       headers=keyed(account, "c-2")).json == paid.json
    over = client.post(charges, {"amount": 900, "allow_outstanding": True}, headers=keyed(account, "c-3"))
    assert over.status == 402  # no credit limit on a wallet opened by the listing
    assert wallet_of(client, account, "CNY")["balance"] == 300


def test_a_conversion_at_a_quote_s_locked_rate_once(client, world):
    account = new_account(client)
    order = alipay_order(client, account, 72_000)
    notify_alipay(client, world["gateways"].alipay.notify(out_trade_no=order["out_trade_no"], total_amount="720.00"))
    quote = client.post(f"/apiv1/users/{account.user_id}/payment-quotes",
                        {"purpose": "conversion", "source_currency": "CNY", "target_currency": "USD",
                         "source_amount": 72_000}, headers=account.headers)
    assert quote.status == 201, quote.text
    quote = quote.json["data"]
    assert (quote["target_currency"], quote["target_amount"], quote["state"]) == ("USD", 10_000, "open")
    assert client.get(f"/apiv1/users/{account.user_id}/payment-quotes/{quote['id']}",
                      headers=account.headers).json["data"] == quote
    headers = keyed(account)
    path = f"/apiv1/users/{account.user_id}/wallet-conversions"
    converted = client.post(path, {"quote_id": quote["id"]}, headers=headers)
    assert converted.status == 201, converted.text
    assert client.post(path, {"quote_id": quote["id"]}, headers=headers).json == converted.json  # replayed
    assert client.post(path, {"quote_id": quote["id"]}, headers=keyed(account)).status == 409  # used
    assert wallet_of(client, account, "USD")["balance"] == 10_000
    assert wallet_of(client, account, "CNY")["balance"] == 0
    listed = client.get(path, headers=account.headers).json
    assert (listed["total"], listed["data"][0]["id"]) == (1, converted.json["data"]["id"])
    one = client.get(f"{path}/{converted.json['data']['id']}", headers=account.headers)
    assert one.json["data"] == converted.json["data"]


def test_a_plan_paid_from_a_wallet_becomes_the_current_plan(client, world):
    account = new_account(client)
    current = f"/apiv1/users/{account.user_id}/price-plans/current"
    assert client.get(current, headers=account.headers).json["data"]["plan"]["id"] == "free"
    order = alipay_order(client, account, 9900)
    notify_alipay(client, world["gateways"].alipay.notify(out_trade_no=order["out_trade_no"], total_amount="99.00"))
    quote = client.post(f"/apiv1/users/{account.user_id}/payment-quotes",
                        {"purpose": "payment", "plan_id": "pro", "pay_currency": "CNY"},
                        headers=account.headers).json["data"]
    paid = client.post(f"/apiv1/users/{account.user_id}/payments", {"quote_id": quote["id"]}, headers=keyed(account))
    assert paid.status == 201, paid.text
    assert client.get(f"/apiv1/users/{account.user_id}/payments/{paid.json['data']['id']}",
                      headers=account.headers).json["data"] == paid.json["data"]
    plan = client.get(current, headers=account.headers).json["data"]
    assert (plan["plan"]["id"], plan["payment_id"]) == ("pro", paid.json["data"]["id"])
    assert wallet_of(client, account, "CNY")["balance"] == 0


def test_api_keys_act_within_their_scope(client):
    account = new_account(client)
    _id, reader = api_key(client, account, [{"obtype": "wallets", "obid": "*", "actions": ["read"]}])
    cny = next(w for w in client.get(f"/apiv1/users/{account.user_id}/wallets", headers=bearer(reader)).json["data"]
               if w["currency"] == "CNY")
    refused = client.post(f"/apiv1/users/{account.user_id}/wallets/{cny['id']}/issue-charges", {"amount": 1},
                          headers={**bearer(reader), **key()})
    assert refused.status == 403
    assert client.post(f"/apiv1/users/{account.user_id}/payment-quotes",
                       {"purpose": "conversion", "source_currency": "CNY", "target_currency": "USD",
                        "source_amount": 100}, headers=bearer(reader)).status == 403
