"""Alipay and WeChat Pay top-ups on moto with fake gateways holding locally generated keys: a forged or tampered
notify is refused and credits nothing; a genuine one credits exactly once, however often it comes; the admin's
reject, reactivate and settle are ledger transitions; the ledger balances throughout."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
from moto import mock_aws

from certctrl.logic import payments, topups, wallets
from certctrl.store import payment_secrets
from tests.support.certctrl_money import money_tables
from tests.support.fake_payment_gateways import FakeAlipay, FakeWeChatPay


@pytest.fixture
def gateways(monkeypatch):
    alipay, wechat = FakeAlipay(), FakeWeChatPay()
    suffix = uuid.uuid4().hex  # the moto backend may be the session's (moto_stack): a name of this test's own
    with mock_aws(), wechat:
        sm = boto3.client("secretsmanager", region_name="us-east-1")
        ali_arn = sm.create_secret(Name=f"alipay-test-{suffix}", SecretString=json.dumps(alipay.secret))["ARN"]
        wx_arn = sm.create_secret(Name=f"wechat-test-{suffix}", SecretString=json.dumps(wechat.secret))["ARN"]
        with money_tables(monkeypatch, ALIPAY_APP_ID=alipay.APP_ID, ALIPAY_SECRET_ARN=ali_arn,
                          ALIPAY_NOTIFY_URL="https://api.example/apiv1/alipay/notify",
                          WECHATPAY_MCH_ID=wechat.MCH_ID, WECHATPAY_APP_ID=wechat.APP_ID,
                          WECHATPAY_SECRET_ARN=wx_arn, WECHATPAY_BASE_URL=wechat.base_url,
                          WECHATPAY_NOTIFY_URL="https://api.example/apiv1/wechatpay/notify"):
            payment_secrets.forget()
            yield alipay, wechat
            payment_secrets.forget()


def balance(user_id: int) -> int:
    return sum(w["balance"] for w in wallets.list_wallets(user_id) if w["currency"] == "CNY")


def test_alipay_page_pay_is_signed_and_a_retried_key_gets_the_same_order(gateways):
    alipay, _ = gateways
    order = payments.alipay_page_pay(1, amount=1234, key="order-1")
    params = alipay.check_page_pay(order["pay_url"])  # the fake verifies our RSA2 signature
    assert json.loads(params["biz_content"])["total_amount"] == "12.34"
    assert json.loads(params["biz_content"])["out_trade_no"] == order["out_trade_no"]
    assert params["notify_url"] == "https://api.example/apiv1/alipay/notify"
    assert payments.alipay_page_pay(1, amount=1234, key="order-1") == order
    with pytest.raises(wallets.ApiError) as refused:
        payments.alipay_page_pay(1, amount=999, key="order-1")
    assert refused.value.status == 422
    assert len(topups.of_user(1)) == 1


def test_a_genuine_alipay_notify_credits_exactly_once(gateways):
    alipay, _ = gateways
    order = payments.alipay_page_pay(2, amount=5000, key="k")
    body = alipay.notify(out_trade_no=order["out_trade_no"], total_amount="50.00", trade_no="2026010222001")
    answers = [payments.alipay_notify(body) for _ in range(3)]
    with ThreadPoolExecutor(4) as pool:  # and concurrently
        answers += list(pool.map(lambda _: payments.alipay_notify(body), range(4)))
    assert answers == [(200, "success")] * 7
    assert balance(2) == 5000
    assert topups.get(2, order["id"])["state"] == "succeeded"
    assert wallets.audit()["ok"]


@pytest.mark.parametrize("forgery", ["other_key", "tampered_amount", "other_app", "unsigned", "garbage"])
def test_a_forged_alipay_notify_is_refused_and_credits_nothing(gateways, forgery):
    alipay, _ = gateways
    order = payments.alipay_page_pay(3, amount=5000, key="k")
    trade = order["out_trade_no"]
    body = {
        "other_key": alipay.notify(out_trade_no=trade, total_amount="50.00", key=alipay.forger_key),
        "tampered_amount": alipay.notify(out_trade_no=trade, total_amount="0.01", tamper={"total_amount": "50.00"}),
        "other_app": alipay.notify(out_trade_no=trade, total_amount="50.00", app_id="2021999999999999"),
        "unsigned": alipay.notify(out_trade_no=trade, total_amount="50.00", tamper={"sign": ""}),
        "garbage": b"\xff\x00not a form",
    }[forgery]
    assert payments.alipay_notify(body) == (400, "failure")
    assert balance(3) == 0
    assert topups.get(3, order["id"])["state"] == "pending"


def test_a_genuine_notify_of_another_amount_goes_to_review_then_the_admin_settles(gateways):
    alipay, _ = gateways
    order = payments.alipay_page_pay(4, amount=5000, key="k")
    body = alipay.notify(out_trade_no=order["out_trade_no"], total_amount="49.00")
    assert payments.alipay_notify(body) == (200, "success")
    assert balance(4) == 0
    assert topups.get(4, order["id"])["state"] == "review"
    settled = topups.settle(order["id"], "admin:9", reason="paid 49 by mistake")
    assert settled["state"] == "succeeded"
    assert settled["credited_amount"] == 4900
    assert balance(4) == 4900
    with pytest.raises(wallets.ApiError):
        topups.settle(order["id"], "admin:9")  # once
    assert balance(4) == 4900


def test_reject_reverses_and_reactivate_never_lets_one_trade_credit_twice(gateways):
    alipay, _ = gateways
    order = payments.alipay_page_pay(5, amount=3000, key="k")
    body = alipay.notify(out_trade_no=order["out_trade_no"], total_amount="30.00", trade_no="T-5")
    payments.alipay_notify(body)
    assert balance(5) == 3000
    assert topups.reject(order["id"], "admin:1", reason="chargeback")["state"] == "reversed"
    assert balance(5) == 0
    assert topups.reactivate(order["id"], "admin:1", reason="dispute won")["state"] == "pending"
    payments.alipay_notify(body)  # the same trade number again: it already credited once
    assert balance(5) == 0
    assert topups.get(5, order["id"])["state"] == "pending"
    topups.settle(order["id"], "admin:1", reason="confirmed in the merchant console")
    assert balance(5) == 3000
    assert wallets.audit()["ok"]


def test_an_unpaid_charge_is_paid_when_the_top_up_arrives(gateways):
    alipay, _ = gateways
    wallet = wallets.open_wallet(6, "CNY", credit_limit=10_000)
    charge = wallets.issue_charge(6, wallet["wallet_id"], 2500, key="c", allow_outstanding=True)
    assert charge["state"] == "outstanding"
    order = payments.alipay_page_pay(6, amount=3000, key="k", wallet_id=wallet["wallet_id"])
    payments.alipay_notify(alipay.notify(out_trade_no=order["out_trade_no"], total_amount="30.00"))
    view = wallets.get_wallet(6, wallet["wallet_id"])
    assert (view["balance"], view["outstanding"]) == (500, 0)
    assert wallets.outstanding_charges(6, wallet["wallet_id"]) == []


def test_wechat_native_pay_and_a_genuine_notify_credit_once(gateways):
    _, wechat = gateways
    order = payments.wechat_native_pay(7, amount=1999, key="w")
    assert order["code_url"].startswith("weixin://wxpay/bizpayurl?pr=")
    assert wechat.refused == []  # the fake verified our Authorization header
    assert payments.wechat_native_pay(7, amount=1999, key="w")["code_url"] == order["code_url"]
    headers, body = wechat.notify(out_trade_no=order["out_trade_no"], total=1999, transaction_id="4200001")
    assert [payments.wechat_notify(headers, body) for _ in range(3)] == [(204, None)] * 3
    assert balance(7) == 1999
    # The status poll after the credit asks nothing and changes nothing.
    assert payments.wechat_status(7, order["out_trade_no"])["state"] == "succeeded"
    assert balance(7) == 1999
    assert wallets.audit()["ok"]


@pytest.mark.parametrize("forgery", ["other_key", "wrong_apiv3_key", "stale", "unknown_serial", "tampered_body",
                                     "other_merchant"])
def test_a_forged_wechat_notify_is_refused_and_credits_nothing(gateways, forgery):
    _, wechat = gateways
    order = payments.wechat_native_pay(8, amount=1999, key="w")
    trade = order["out_trade_no"]
    if forgery == "tampered_body":
        headers, body = wechat.notify(out_trade_no=trade, total=1999)
        body = body.replace(b'"event_type"', b'"event_typ3"')
    else:
        headers, body = wechat.notify(out_trade_no=trade, total=1999, **{
            "other_key": {"key": wechat.forger_key}, "wrong_apiv3_key": {"apiv3_key": "f" * 32},
            "stale": {"timestamp": 1_600_000_000}, "unknown_serial": {"serial": "PUB_KEY_ID_OTHER"},
            "other_merchant": {"overrides": {"mchid": "1900000000"}}}[forgery])
    status, answer = payments.wechat_notify(headers, body)
    assert status in (400, 401)
    assert answer["code"] == "FAIL"
    assert balance(8) == 0
    assert topups.get(8, order["id"])["state"] == "pending"


def test_the_status_poll_credits_a_paid_order_once_even_with_a_late_notify(gateways):
    _, wechat = gateways
    order = payments.wechat_native_pay(9, amount=800, key="w")
    assert payments.wechat_status(9, order["out_trade_no"])["state"] == "pending"
    transaction_id = wechat.pay(order["out_trade_no"])
    assert payments.wechat_status(9, order["out_trade_no"])["state"] == "succeeded"
    headers, body = wechat.notify(out_trade_no=order["out_trade_no"], total=800, transaction_id=transaction_id)
    assert payments.wechat_notify(headers, body) == (204, None)
    assert balance(9) == 800
    with pytest.raises(wallets.ApiError):
        payments.wechat_status(10, order["out_trade_no"])  # another user's order
