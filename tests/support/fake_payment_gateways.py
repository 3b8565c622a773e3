"""Fake Alipay and WeChat Pay gateways with locally generated RSA keys, so signing and verification in the tests
are real: the fakes check our requests' signatures the way the platforms do, and sign (and encrypt) what they
send back with keys only they hold. A forged notify is one signed with any other key.

    alipay = FakeAlipay()                       # alipay.secret → what ALIPAY_SECRET_ARN holds
    params = alipay.check_page_pay(url)         # our page-pay URL, signature verified with our app key
    body = alipay.notify(out_trade_no=..., total_amount="12.34")

    with FakeWeChatPay() as wechat:             # an HTTP server on 127.0.0.1 (devstack.fake_provider)
        wechat.base_url, wechat.secret          # WECHATPAY_BASE_URL, what WECHATPAY_SECRET_ARN holds
        headers, body = wechat.notify(out_trade_no=..., total=1234)
"""

from __future__ import annotations

import base64
import functools
import json
import re
import secrets
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from certctrl.providers import alipay as alipay_provider
from certctrl.providers import wechatpay as wechat_provider
from devstack.fake_provider import FakeProvider, RecordedRequest


@functools.cache
def _pool() -> list[rsa.RSAPrivateKey]:
    return [rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(5)]


def rsa_key(n: int) -> rsa.RSAPrivateKey:
    """One of five keys made once per test session (2048-bit key generation is slow)."""
    return _pool()[n]


def private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def bare_base64(pem: str) -> str:
    """The key body without armour, as the Alipay console shows keys."""
    return "".join(line for line in pem.splitlines() if not line.startswith("-----"))


class FakeAlipay:
    APP_ID = "2021000000000001"

    def __init__(self) -> None:
        self.app_key = rsa_key(0)  # ours: Alipay holds its public half
        self.alipay_key = rsa_key(1)  # Alipay's: we hold its public half
        self.forger_key = rsa_key(4)

    @property
    def secret(self) -> dict[str, str]:
        return {"app_private_key": bare_base64(private_pem(self.app_key)),
                "alipay_public_key": bare_base64(public_pem(self.alipay_key))}

    def check_page_pay(self, url: str) -> dict[str, str]:
        """What Alipay does with the browser's request: every parameter but `sign`, sorted, verified with the
        app's public key. Raises AssertionError when the signature does not verify."""
        params = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
        content = alipay_provider.sign_content(params, exclude=("sign",))
        assert alipay_provider.rsa2_verify(content, params["sign"], self.app_key.public_key()), "bad signature"
        return params

    def notify(self, *, out_trade_no: str, total_amount: str, trade_status: str = "TRADE_SUCCESS",
               trade_no: str | None = None, key: rsa.RSAPrivateKey | None = None, app_id: str | None = None,
               tamper: dict[str, str] | None = None) -> bytes:
        """A notify body as Alipay POSTs it, signed with Alipay's key (or `key`); `tamper` changes parameters
        after signing."""
        params = {"notify_time": "2026-01-02 03:04:05", "notify_type": "trade_status_sync",
                  "notify_id": secrets.token_hex(16), "app_id": app_id or self.APP_ID, "charset": "utf-8",
                  "version": "1.0", "sign_type": "RSA2", "trade_no": trade_no or f"2026{secrets.randbelow(10**20)}",
                  "out_trade_no": out_trade_no, "trade_status": trade_status, "total_amount": total_amount,
                  "receipt_amount": total_amount, "buyer_id": "2088102116773037", "seller_id": "2088102119685838",
                  "subject": "cert-ctrl wallet top-up", "gmt_payment": "2026-01-02 03:04:04", "fund_bill_list": ""}
        content = alipay_provider.sign_content(params, exclude=("sign", "sign_type"))
        params["sign"] = alipay_provider.rsa2_sign(content, key or self.alipay_key)
        params.update(tamper or {})
        return urlencode(params).encode()


class FakeWeChatPay:
    MCH_ID = "1900009191"
    APP_ID = "wxd678efh567hg6787"
    MERCHANT_SERIAL = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
    PLATFORM_SERIAL = "PUB_KEY_ID_0114232134912410000000000000"

    def __init__(self) -> None:
        self.merchant_key = rsa_key(2)
        self.platform_key = rsa_key(3)
        self.forger_key = rsa_key(4)
        self.apiv3_key = secrets.token_hex(16)
        self.orders: dict[str, dict[str, Any]] = {}
        self.refused: list[str] = []
        self.server = FakeProvider()

    def __enter__(self) -> FakeWeChatPay:
        self.server.start()
        self.server.respond_with(self._native, method="POST", path="/v3/pay/transactions/native")
        self.server.respond_with(self._query, method="GET", path="/v3/pay/transactions/out-trade-no/")
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()

    @property
    def base_url(self) -> str:
        return self.server.url

    @property
    def secret(self) -> dict[str, Any]:
        return {"merchant_private_key": private_pem(self.merchant_key), "merchant_serial_no": self.MERCHANT_SERIAL,
                "apiv3_key": self.apiv3_key, "platform_keys": {self.PLATFORM_SERIAL: public_pem(self.platform_key)}}

    # -- the gateway --------------------------------------------------------------------------------------------

    def _authorized(self, request: RecordedRequest) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith(wechat_provider.SCHEMA + " "):
            return False
        fields = dict(re.findall(r'(\w+)="([^"]*)"', header))
        if fields.get("mchid") != self.MCH_ID or fields.get("serial_no") != self.MERCHANT_SERIAL:
            return False
        message = wechat_provider.request_message(request.method, request.target, fields.get("timestamp", ""),
                                                  fields.get("nonce_str", ""), request.body.decode())
        try:
            self.merchant_key.public_key().verify(base64.b64decode(fields.get("signature", "")), message.encode(),
                                                  padding.PKCS1v15(), hashes.SHA256())
        except Exception:
            return False
        return True

    def signed_headers(self, body: str, *, key: rsa.RSAPrivateKey | None = None, timestamp: int | None = None,
                       serial: str | None = None) -> dict[str, str]:
        stamp, nonce = str(timestamp if timestamp is not None else int(time.time())), secrets.token_hex(16)
        signature = wechat_provider.sign(wechat_provider.response_message(stamp, nonce, body),
                                         key or self.platform_key)
        return {"Wechatpay-Timestamp": stamp, "Wechatpay-Nonce": nonce, "Wechatpay-Signature": signature,
                "Wechatpay-Serial": serial or self.PLATFORM_SERIAL,
                "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048"}

    def _reply(self, status: int, data: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        body = json.dumps(data)
        return status, {"Content-Type": "application/json", **self.signed_headers(body)}, body.encode()

    def _native(self, request: RecordedRequest) -> tuple[int, dict[str, str], bytes]:
        if not self._authorized(request):
            self.refused.append(request.path)
            return self._reply(401, {"code": "SIGN_ERROR", "message": "signature"})
        order = request.json
        self.orders.setdefault(order["out_trade_no"], {**order, "trade_state": "NOTPAY",
                                                       "code_url": f"weixin://wxpay/bizpayurl?pr={secrets.token_hex(4)}"})
        return self._reply(200, {"code_url": self.orders[order["out_trade_no"]]["code_url"]})

    def _query(self, request: RecordedRequest) -> tuple[int, dict[str, str], bytes]:
        if not self._authorized(request):
            self.refused.append(request.path)
            return self._reply(401, {"code": "SIGN_ERROR", "message": "signature"})
        out_trade_no = request.path.rsplit("/", 1)[-1]
        order = self.orders.get(out_trade_no)
        if order is None:
            return self._reply(404, {"code": "ORDER_NOT_EXIST", "message": "no such order"})
        return self._reply(200, self.transaction(out_trade_no, order["amount"]["total"], order["trade_state"],
                                                 order.get("transaction_id")))

    def pay(self, out_trade_no: str) -> str:
        """The user scanned and paid: the order is SUCCESS (queries say so); answers the transaction id."""
        order = self.orders[out_trade_no]
        order["trade_state"] = "SUCCESS"
        order["transaction_id"] = f"42000{secrets.randbelow(10**20):020d}"
        return order["transaction_id"]

    # -- notifies -----------------------------------------------------------------------------------------------

    def transaction(self, out_trade_no: str, total: int, trade_state: str = "SUCCESS",
                    transaction_id: str | None = None, **overrides: Any) -> dict[str, Any]:
        return {"appid": self.APP_ID, "mchid": self.MCH_ID, "out_trade_no": out_trade_no,
                "transaction_id": transaction_id or f"42000{secrets.randbelow(10**20):020d}",
                "trade_type": "NATIVE", "trade_state": trade_state, "trade_state_desc": "", "bank_type": "OTHERS",
                "attach": "", "success_time": "2026-01-02T03:04:05+08:00", "payer": {"openid": "o-test"},
                "amount": {"total": total, "payer_total": total, "currency": "CNY", "payer_currency": "CNY"},
                **overrides}

    def notify(self, *, out_trade_no: str, total: int, transaction_id: str | None = None,
               trade_state: str = "SUCCESS", key: rsa.RSAPrivateKey | None = None, apiv3_key: str | None = None,
               timestamp: int | None = None, serial: str | None = None,
               overrides: dict[str, Any] | None = None) -> tuple[dict[str, str], bytes]:
        data = self.transaction(out_trade_no, total, trade_state, transaction_id, **(overrides or {}))
        resource = wechat_provider.encrypt_resource((apiv3_key or self.apiv3_key).encode(), data)
        body = json.dumps({"id": secrets.token_hex(8), "create_time": "2026-01-02T03:04:05+08:00",
                           "resource_type": "encrypt-resource", "event_type": f"TRANSACTION.{trade_state}",
                           "summary": "支付成功", "resource": resource})
        return self.signed_headers(body, key=key, timestamp=timestamp, serial=serial), body.encode()
