"""Alipay open platform, page pay (电脑网站支付, `alipay.trade.page.pay`) and its asynchronous notify
(docs/certctrl-money.md §7).

Signing (RSA2 = SHA256withRSA, PKCS#1 v1.5, base64): every request parameter except `sign` (so `sign_type` is
signed), with an empty value left out, sorted by name (byte order), joined as `name=value` with `&`, the values
raw (not URL-encoded), UTF-8. The page-pay URL is the gateway with every parameter, `sign` included,
URL-encoded in the query: the browser goes there, nothing is sent from here.

Notify verification: the POSTed form's parameters, URL-decoded, without `sign` and `sign_type` and without
empty values, sorted and joined the same way, verified with Alipay's public key; `sign_type` must be RSA2. A
notify that fails verification changes nothing.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

SIGN_TYPE = "RSA2"
PAGE_PAY = "alipay.trade.page.pay"
PRODUCT_CODE = "FAST_INSTANT_TRADE_PAY"
PAID_STATES = ("TRADE_SUCCESS", "TRADE_FINISHED")
CLOSED_STATES = ("TRADE_CLOSED",)
MAX_NOTIFY_BYTES = 64 * 1024


@dataclass(frozen=True)
class AlipayKeys:
    app_id: str
    app_private_key: rsa.RSAPrivateKey
    alipay_public_key: rsa.RSAPublicKey

    def __repr__(self) -> str:
        return f"AlipayKeys(app_id={self.app_id!r})"


def _pem(text: str, kind: str) -> bytes:
    """PEM as given, or the bare base64 body the Alipay console shows (wrapped here)."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        return text.encode()
    body = "".join(text.split())
    lines = "\n".join(body[i:i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN {kind}-----\n{lines}\n-----END {kind}-----\n".encode()


def load_keys(app_id: str, app_private_key: str, alipay_public_key: str) -> AlipayKeys:
    """Our application's RSA private key (PKCS#8 or PKCS#1) and Alipay's RSA public key (SubjectPublicKeyInfo)."""
    private = serialization.load_pem_private_key(_pem(app_private_key, "PRIVATE KEY"), password=None)
    public = serialization.load_pem_public_key(_pem(alipay_public_key, "PUBLIC KEY"))
    if not isinstance(private, rsa.RSAPrivateKey) or not isinstance(public, rsa.RSAPublicKey):
        raise ValueError("Alipay RSA2 needs RSA keys")
    return AlipayKeys(app_id, private, public)


def sign_content(params: Mapping[str, Any], *, exclude: tuple[str, ...] = ("sign",)) -> str:
    """The canonical string: sorted `name=value` pairs joined by `&`, excluded names and empty values left out."""
    pairs = sorted((str(k), str(v)) for k, v in params.items() if k not in exclude and v is not None and str(v) != "")
    return "&".join(f"{k}={v}" for k, v in pairs)


def rsa2_sign(content: str, key: rsa.RSAPrivateKey) -> str:
    return base64.b64encode(key.sign(content.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())).decode()


def rsa2_verify(content: str, signature: str, key: rsa.RSAPublicKey) -> bool:
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return False
    try:
        key.verify(raw, content.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def page_pay_params(keys: AlipayKeys, *, out_trade_no: str, total_amount: str, subject: str, timestamp: str,
                    notify_url: str | None, return_url: str | None, time_expire: str | None = None) -> dict[str, str]:
    """The signed parameters of a page-pay request. `total_amount` in yuan ('12.34'); `timestamp` and
    `time_expire` as 'yyyy-MM-dd HH:mm:ss' in China time."""
    biz: dict[str, Any] = {"out_trade_no": out_trade_no, "total_amount": total_amount, "subject": subject,
                           "product_code": PRODUCT_CODE}
    if time_expire:
        biz["time_expire"] = time_expire
    params = {"app_id": keys.app_id, "method": PAGE_PAY, "format": "JSON", "charset": "utf-8",
              "sign_type": SIGN_TYPE, "timestamp": timestamp, "version": "1.0",
              "biz_content": json.dumps(biz, separators=(",", ":"), ensure_ascii=False)}
    if notify_url:
        params["notify_url"] = notify_url
    if return_url:
        params["return_url"] = return_url
    params["sign"] = rsa2_sign(sign_content(params), keys.app_private_key)
    return params


def page_pay_url(gateway: str, params: Mapping[str, str]) -> str:
    return f"{gateway}?{urlencode(dict(params))}"


def parse_notify(body: bytes) -> dict[str, str]:
    """The notify's `application/x-www-form-urlencoded` body (UTF-8): ValueError when it is not one, or repeats
    a parameter (a repeated name could make two readers see two values)."""
    if len(body) > MAX_NOTIFY_BYTES:
        raise ValueError("notify too large")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("notify is not UTF-8") from None
    pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text))
    params: dict[str, str] = {}
    for name, value in pairs:
        if name in params:
            raise ValueError(f"parameter {name} repeated")
        params[name] = value
    return params


def verify_notify(params: Mapping[str, str], key: rsa.RSAPublicKey) -> bool:
    """True only for an RSA2 notify whose signature covers exactly these parameters."""
    signature = params.get("sign")
    if not signature or params.get("sign_type") != SIGN_TYPE:
        return False
    return rsa2_verify(sign_content(params, exclude=("sign", "sign_type")), signature, key)
