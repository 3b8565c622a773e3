"""WeChat Pay API v3, Native payment (a `code_url` the user scans), order queries and payment notifies
(docs/certctrl-money.md §7).

Requests carry `Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",signature="…",timestamp="…",
serial_no="…"`, the signature being SHA256withRSA (PKCS#1 v1.5, base64) by the merchant's API key over

    <HTTP method>\\n<URL path and query>\\n<timestamp>\\n<nonce>\\n<body>\\n

Answers and notifies are signed by WeChat Pay: `Wechatpay-Signature` over `<Wechatpay-Timestamp>\\n
<Wechatpay-Nonce>\\n<body>\\n` with the platform key named by `Wechatpay-Serial` (a platform certificate's serial
or a `PUB_KEY_ID_…` public key id). A notify's `resource` is AEAD_AES_256_GCM: key = the 32-byte APIv3 key,
nonce = `resource.nonce`, associated data = `resource.associated_data`, ciphertext = base64(ciphertext || tag).
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from suite.outbound import HttpClient, ProviderError, RetryPolicy, UrlPolicy, check_status, guarded, json_body

SCHEMA = "WECHATPAY2-SHA256-RSA2048"
NATIVE_PATH = "/v3/pay/transactions/native"
MAX_SKEW_SECONDS = 300
MAX_NOTIFY_BYTES = 64 * 1024


@dataclass(frozen=True)
class WechatPayKeys:
    mch_id: str
    app_id: str
    serial_no: str  # the merchant API certificate's serial number
    merchant_private_key: rsa.RSAPrivateKey
    apiv3_key: bytes  # 32 bytes
    platform_keys: Mapping[str, rsa.RSAPublicKey]  # serial (or PUB_KEY_ID_…) → key

    def __repr__(self) -> str:
        return f"WechatPayKeys(mch_id={self.mch_id!r}, serial_no={self.serial_no!r})"


def _public_key(pem: str) -> rsa.RSAPublicKey:
    data = pem.strip().encode()
    key = (x509.load_pem_x509_certificate(data).public_key() if b"CERTIFICATE" in data
           else serialization.load_pem_public_key(data))
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("WeChat Pay platform keys are RSA")
    return key


def load_keys(*, mch_id: str, app_id: str, serial_no: str, merchant_private_key: str, apiv3_key: str,
              platform_keys: Mapping[str, str]) -> WechatPayKeys:
    private = serialization.load_pem_private_key(merchant_private_key.strip().encode(), password=None)
    if not isinstance(private, rsa.RSAPrivateKey):
        raise ValueError("the merchant API key is RSA")
    key = apiv3_key.encode()
    if len(key) != 32:
        raise ValueError("the APIv3 key is 32 bytes")
    return WechatPayKeys(mch_id, app_id, serial_no, private, key,
                         {serial: _public_key(pem) for serial, pem in platform_keys.items()})


# --- signatures ----------------------------------------------------------------------------------------------

def request_message(method: str, url: str, timestamp: str, nonce: str, body: str) -> str:
    """The string a request signs: the URL is its path and query (no scheme, no host)."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    return f"{method.upper()}\n{target}\n{timestamp}\n{nonce}\n{body}\n"


def response_message(timestamp: str, nonce: str, body: str) -> str:
    return f"{timestamp}\n{nonce}\n{body}\n"


def sign(message: str, key: rsa.RSAPrivateKey) -> str:
    return base64.b64encode(key.sign(message.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())).decode()


def authorization(keys: WechatPayKeys, method: str, url: str, body: str, *, timestamp: str,
                  nonce: str | None = None) -> str:
    nonce = nonce or secrets.token_hex(16).upper()
    signature = sign(request_message(method, url, timestamp, nonce, body), keys.merchant_private_key)
    return (f'{SCHEMA} mchid="{keys.mch_id}",nonce_str="{nonce}",signature="{signature}",'
            f'timestamp="{timestamp}",serial_no="{keys.serial_no}"')


def verify(keys: WechatPayKeys, headers: Mapping[str, str], body: str, *, now: float) -> bool:
    """A WeChat Pay signature on an answer or a notify: a known platform key, a timestamp within five minutes,
    and SHA256withRSA over timestamp, nonce and body."""
    lower = {k.lower(): v for k, v in headers.items()}
    serial = lower.get("wechatpay-serial", "")
    timestamp = lower.get("wechatpay-timestamp", "")
    nonce = lower.get("wechatpay-nonce", "")
    signature = lower.get("wechatpay-signature", "")
    key = keys.platform_keys.get(serial)
    if key is None or not timestamp.isdigit() or not nonce or not signature:
        return False
    if abs(now - int(timestamp)) > MAX_SKEW_SECONDS:
        return False
    try:
        raw = base64.b64decode(signature, validate=True)
        key.verify(raw, response_message(timestamp, nonce, body).encode("utf-8"), padding.PKCS1v15(),
                   hashes.SHA256())
    except (binascii.Error, ValueError, InvalidSignature):
        return False
    return True


def decrypt_resource(apiv3_key: bytes, resource: Mapping[str, Any]) -> dict[str, Any]:
    """The decrypted `resource` of a notify as JSON; ValueError when it is not AEAD_AES_256_GCM or fails to
    authenticate."""
    if resource.get("algorithm") != "AEAD_AES_256_GCM":
        raise ValueError("unknown resource algorithm")
    try:
        nonce = str(resource["nonce"]).encode()
        associated = str(resource.get("associated_data") or "").encode()
        ciphertext = base64.b64decode(str(resource["ciphertext"]), validate=True)
        plain = AESGCM(apiv3_key).decrypt(nonce, ciphertext, associated)
        data = json.loads(plain)
    except (KeyError, binascii.Error, InvalidTag, ValueError):
        raise ValueError("the resource does not decrypt") from None
    if not isinstance(data, dict):
        raise ValueError("the resource is not an object")
    return data


def encrypt_resource(apiv3_key: bytes, data: Mapping[str, Any], *, associated_data: str = "transaction",
                     nonce: str | None = None) -> dict[str, str]:
    """The inverse of decrypt_resource (what WeChat Pay sends; the test gateway uses it)."""
    nonce = nonce or secrets.token_hex(6)
    ciphertext = AESGCM(apiv3_key).encrypt(nonce.encode(), json.dumps(data).encode(), associated_data.encode())
    return {"algorithm": "AEAD_AES_256_GCM", "ciphertext": base64.b64encode(ciphertext).decode(),
            "associated_data": associated_data, "original_type": "transaction", "nonce": nonce}


# --- calls ---------------------------------------------------------------------------------------------------

@functools.cache
def _client(base_url: str) -> HttpClient:
    return HttpClient(UrlPolicy.for_base_url(base_url, path_prefixes=("/v3/",)), timeout=(3.05, 8.0),
                      retry=RetryPolicy(max_attempts=2, backoff_base=0.3, backoff_cap=1.0, max_retry_after=3.0),
                      max_response_bytes=256 * 1024)


def _call(keys: WechatPayKeys, base_url: str, method: str, path: str, payload: Mapping[str, Any] | None, *,
          now: float, idempotent: bool) -> dict[str, Any]:
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False) if payload is not None else ""
    url = f"{base_url}{path}"
    headers = {"Authorization": authorization(keys, method, url, body, timestamp=str(int(now))),
               "Accept": "application/json"}
    if payload is not None:
        headers["Content-Type"] = "application/json"
    response = guarded("wechatpay", lambda: _client(base_url).request(
        method, url, data=body.encode() if payload is not None else None, headers=headers, idempotent=idempotent))
    check_status("wechatpay", response)
    text = response.content.decode("utf-8", errors="replace")
    if response.status != 204 and not verify(keys, dict(response.headers), text, now=now):
        raise ProviderError("bad_response", "wechatpay: the answer's signature does not verify",
                            status=response.status)
    return json_body("wechatpay", response) if text else {}


def create_native_order(keys: WechatPayKeys, base_url: str, *, out_trade_no: str, description: str, total: int,
                        notify_url: str, time_expire: str | None, now: float) -> str:
    """`code_url` of a Native order (`total` in fen, CNY). WeChat Pay accepts the same `out_trade_no` again
    while it is unpaid, so the call is safe to retry."""
    payload: dict[str, Any] = {"appid": keys.app_id, "mchid": keys.mch_id, "description": description[:127],
                               "out_trade_no": out_trade_no, "notify_url": notify_url,
                               "amount": {"total": total, "currency": "CNY"}}
    if time_expire:
        payload["time_expire"] = time_expire
    answer = _call(keys, base_url, "POST", NATIVE_PATH, payload, now=now, idempotent=True)
    code_url = answer.get("code_url")
    if not isinstance(code_url, str) or not code_url:
        raise ProviderError("bad_response", "wechatpay: no code_url in the answer")
    return code_url


def query_order(keys: WechatPayKeys, base_url: str, out_trade_no: str, *, now: float) -> dict[str, Any]:
    path = f"/v3/pay/transactions/out-trade-no/{quote(out_trade_no, safe='')}?mchid={quote(keys.mch_id, safe='')}"
    return _call(keys, base_url, "GET", path, None, now=now, idempotent=True)
