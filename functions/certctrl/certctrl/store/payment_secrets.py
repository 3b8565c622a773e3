"""The payment channels' keys, from Secrets Manager (`ALIPAY_SECRET_ARN`, `WECHATPAY_SECRET_ARN`: JSON), cached
for five minutes per execution environment so a rotation is picked up without a deploy.

Alipay: `{"app_private_key": PEM or base64, "alipay_public_key": PEM or base64}`. WeChat Pay:
`{"merchant_private_key": PEM, "merchant_serial_no": "...", "apiv3_key": "32 characters",
"platform_keys": {"<serial or PUB_KEY_ID_...>": PEM public key or certificate}}`."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from suite import aws

CACHE_SECONDS = 300
_cache: dict[str, tuple[float, dict[str, Any]]] = {}
_lock = threading.Lock()


def secret_json(arn: str) -> dict[str, Any]:
    with _lock:
        hit = _cache.get(arn)
        if hit and time.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1]
    value = json.loads(aws.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"])
    if not isinstance(value, dict):
        raise ValueError("a payment secret is a JSON object")
    with _lock:
        _cache[arn] = (time.monotonic(), value)
    return value


def forget() -> None:
    with _lock:
        _cache.clear()
