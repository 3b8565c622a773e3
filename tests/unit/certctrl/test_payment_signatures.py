"""Alipay RSA2 and WeChat Pay v3 signatures and encryption, as the platforms' documents define them: the exact
canonical strings, verification that refuses forgeries and tampering, AES-256-GCM resources."""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from certctrl.providers import alipay, wechatpay
from tests.support.fake_payment_gateways import (
    FakeAlipay,
    FakeWeChatPay,
    bare_base64,
    private_pem,
    public_pem,
    rsa_key,
)


def test_alipay_canonical_string_sorts_and_leaves_out_sign_and_empty_values():
    params = {"b": "2", "a": "1", "sign": "S", "sign_type": "RSA2", "empty": "", "c": "x y&z"}
    assert alipay.sign_content(params) == "a=1&b=2&c=x y&z&sign_type=RSA2"
    assert alipay.sign_content(params, exclude=("sign", "sign_type")) == "a=1&b=2&c=x y&z"


def test_alipay_keys_load_from_console_base64_or_pem():
    fake = FakeAlipay()
    keys = alipay.load_keys("app", fake.secret["app_private_key"], fake.secret["alipay_public_key"])
    pem_keys = alipay.load_keys("app", private_pem(fake.app_key), public_pem(fake.alipay_key))
    assert keys.app_private_key.private_numbers() == pem_keys.app_private_key.private_numbers()
    assert "PRIVATE" not in repr(keys)


def test_alipay_page_pay_url_is_signed_over_every_parameter_but_sign():
    fake = FakeAlipay()
    keys = alipay.load_keys(fake.APP_ID, fake.secret["app_private_key"], fake.secret["alipay_public_key"])
    params = alipay.page_pay_params(keys, out_trade_no="CC000000000001", total_amount="12.34", subject="充值",
                                    timestamp="2026-01-02 03:04:05", notify_url="https://api.example/notify",
                                    return_url=None)
    url = alipay.page_pay_url("https://openapi.alipay.com/gateway.do", params)
    checked = fake.check_page_pay(url)
    assert checked["method"] == "alipay.trade.page.pay"
    assert checked["sign_type"] == "RSA2"
    biz = json.loads(checked["biz_content"])
    assert biz == {"out_trade_no": "CC000000000001", "total_amount": "12.34", "subject": "充值",
                   "product_code": "FAST_INSTANT_TRADE_PAY"}
    # The signature covers sign_type: verifying without it fails.
    assert not alipay.rsa2_verify(alipay.sign_content(checked, exclude=("sign", "sign_type")), checked["sign"],
                                  fake.app_key.public_key())
    assert urlsplit(url).netloc == "openapi.alipay.com"


def test_alipay_notify_verification():
    fake = FakeAlipay()
    key = fake.alipay_key.public_key()
    genuine = alipay.parse_notify(fake.notify(out_trade_no="CC1", total_amount="1.00"))
    assert alipay.verify_notify(genuine, key)
    forged = alipay.parse_notify(fake.notify(out_trade_no="CC1", total_amount="1.00", key=fake.forger_key))
    assert not alipay.verify_notify(forged, key)
    tampered = alipay.parse_notify(fake.notify(out_trade_no="CC1", total_amount="1.00",
                                               tamper={"total_amount": "100.00"}))
    assert not alipay.verify_notify(tampered, key)
    assert not alipay.verify_notify({**genuine, "sign_type": "RSA"}, key)
    assert not alipay.verify_notify({k: v for k, v in genuine.items() if k != "sign"}, key)
    assert not alipay.verify_notify({**genuine, "sign": "not base64!"}, key)
    # An added parameter changes the canonical string.
    assert not alipay.verify_notify({**genuine, "extra": "1"}, key)
    # An empty parameter does not (it is left out of the string by the rule).
    assert alipay.verify_notify({**genuine, "extra": ""}, key)


def test_alipay_notify_bodies_are_strict_forms():
    with pytest.raises(ValueError, match="repeated"):
        alipay.parse_notify(b"a=1&a=2")
    with pytest.raises(ValueError, match="UTF-8"):
        alipay.parse_notify(b"\xff\xfe")
    assert alipay.parse_notify(b"subject=%E5%85%85%E5%80%BC&x=") == {"subject": "充值", "x": ""}


def _wechat_keys(fake: FakeWeChatPay) -> wechatpay.WechatPayKeys:
    secret = fake.secret
    return wechatpay.load_keys(mch_id=fake.MCH_ID, app_id=fake.APP_ID, serial_no=secret["merchant_serial_no"],
                               merchant_private_key=secret["merchant_private_key"], apiv3_key=secret["apiv3_key"],
                               platform_keys=secret["platform_keys"])


def test_wechat_request_message_and_authorization_header():
    assert wechatpay.request_message("get", "https://api.mch.weixin.qq.com/v3/certificates?x=1", "1554208460",
                                     "593BEC0C930BF1AFEB40B4A08C8FB242", "") == (
        "GET\n/v3/certificates?x=1\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n")
    fake = FakeWeChatPay()
    keys = _wechat_keys(fake)
    body = '{"a":1}'
    header = wechatpay.authorization(keys, "POST", "https://x.example/v3/pay/transactions/native", body,
                                     timestamp="1554208460", nonce="N1")
    assert header.startswith("WECHATPAY2-SHA256-RSA2048 mchid=\"1900009191\",nonce_str=\"N1\",signature=\"")
    fields = dict(re.findall(r'(\w+)="([^"]*)"', header))
    assert fields["serial_no"] == fake.MERCHANT_SERIAL
    assert fields["timestamp"] == "1554208460"
    message = "POST\n/v3/pay/transactions/native\n1554208460\nN1\n{\"a\":1}\n"
    fake.merchant_key.public_key().verify(base64.b64decode(fields["signature"]), message.encode(),
                                          padding.PKCS1v15(), hashes.SHA256())


def test_wechat_signature_verification_refuses_forgeries_old_timestamps_and_unknown_keys():
    fake = FakeWeChatPay()
    keys = _wechat_keys(fake)
    body = '{"id":"1"}'
    now = 1_700_000_000
    assert wechatpay.verify(keys, fake.signed_headers(body, timestamp=now), body, now=now + 10)
    assert not wechatpay.verify(keys, fake.signed_headers(body, timestamp=now), body + " ", now=now)
    assert not wechatpay.verify(keys, fake.signed_headers(body, timestamp=now, key=fake.forger_key), body, now=now)
    assert not wechatpay.verify(keys, fake.signed_headers(body, timestamp=now), body, now=now + 301)
    assert not wechatpay.verify(keys, fake.signed_headers(body, timestamp=now, serial="OTHER"), body, now=now)
    assert not wechatpay.verify(keys, {}, body, now=now)


def test_wechat_resource_decrypts_only_with_the_apiv3_key_and_its_associated_data():
    key = b"0123456789abcdef0123456789abcdef"
    resource = wechatpay.encrypt_resource(key, {"out_trade_no": "CC1"})
    assert wechatpay.decrypt_resource(key, resource) == {"out_trade_no": "CC1"}
    with pytest.raises(ValueError, match="does not decrypt"):
        wechatpay.decrypt_resource(b"f" * 32, resource)
    with pytest.raises(ValueError, match="does not decrypt"):
        wechatpay.decrypt_resource(key, {**resource, "associated_data": "other"})
    with pytest.raises(ValueError, match="unknown resource algorithm"):
        wechatpay.decrypt_resource(key, {**resource, "algorithm": "AEAD_AES_128_GCM"})
    raw = bytearray(base64.b64decode(resource["ciphertext"]))
    raw[0] ^= 1
    with pytest.raises(ValueError, match="does not decrypt"):
        wechatpay.decrypt_resource(key, {**resource, "ciphertext": base64.b64encode(bytes(raw)).decode()})


def test_apiv3_keys_are_32_bytes():
    fake = FakeWeChatPay()
    with pytest.raises(ValueError, match="32 bytes"):
        wechatpay.load_keys(mch_id="1", app_id="a", serial_no="s", merchant_private_key=private_pem(rsa_key(2)),
                            apiv3_key="short", platform_keys={})
    assert bare_base64(public_pem(fake.platform_key)).startswith("MII")


def test_page_pay_url_query_decodes_to_the_signed_values():
    fake = FakeAlipay()
    keys = alipay.load_keys(fake.APP_ID, fake.secret["app_private_key"], fake.secret["alipay_public_key"])
    params = alipay.page_pay_params(keys, out_trade_no="CC2", total_amount="0.01", subject="a&b=c",
                                    timestamp="2026-01-02 03:04:05", notify_url=None, return_url=None)
    query = dict(parse_qsl(urlsplit(alipay.page_pay_url("https://g.example/gateway.do", params)).query))
    assert query == params
