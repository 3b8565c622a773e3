"""Feishu (Lark) app bots: a tenant_access_token from app_id + app_secret (valid `expire` seconds, cached and
refreshed five minutes early — the original cached it forever), then `POST /open-apis/im/v1/messages`."""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from typing import Any

from kook import config
from kook.providers import http
from kook.providers.http import ProviderError, SendResult

_REFRESH_MARGIN = 300
_tokens: dict[tuple[str, str, str], tuple[str, float]] = {}  # (base, app_id, secret digest) → (token, valid until)
_lock = threading.Lock()


def _secret_id(app_secret: str) -> str:
    return hashlib.sha256(app_secret.encode()).hexdigest()


def tenant_token(app_id: str, app_secret: str) -> tuple[str, int]:
    """(token, latency_ms of fetching it; 0 when cached)."""
    base = config.base_url("feishu")
    cache_key = (base, app_id, _secret_id(app_secret))
    with _lock:
        cached = _tokens.get(cache_key)
        if cached and cached[1] > time.monotonic():
            return cached[0], 0
    client = http.for_base_url(base)
    response = http.guarded("feishu", lambda: client.post(
        f"{base}/open-apis/auth/v3/tenant_access_token/internal",
        json={"app_id": app_id, "app_secret": app_secret}, deadline=http.deadline()))
    http.check_status("feishu", response)
    body = http.json_body("feishu", response)
    if body.get("code") != 0 or not body.get("tenant_access_token"):
        raise ProviderError("rejected", "feishu: app_id or app_secret refused", provider_code=body.get("code"))
    lifetime = max(60, int(body.get("expire", 7200)) - _REFRESH_MARGIN)
    with _lock:
        _tokens[cache_key] = (body["tenant_access_token"], time.monotonic() + lifetime)
    return body["tenant_access_token"], int(response.elapsed_ms)


def send_text(app_id: str, app_secret: str, chat_id: str, text: str, *, idempotency_key: str | None = None
              ) -> SendResult:
    token, token_latency = tenant_token(app_id, app_secret)
    base = config.base_url("feishu")
    client = http.for_base_url(base)
    payload: dict[str, Any] = {"receive_id": chat_id, "msg_type": "text",
                               "content": json.dumps({"text": text}, ensure_ascii=False),
                               "uuid": idempotency_key or uuid.uuid4().hex}
    response = http.guarded("feishu", lambda: client.post(
        f"{base}/open-apis/im/v1/messages", params={"receive_id_type": "chat_id"}, json=payload,
        headers={"Authorization": f"Bearer {token}"}, idempotent=True, deadline=http.deadline()))
    if response.status in (400, 401, 403):
        body = http.json_body("feishu", response)
        raise ProviderError("rejected", f"feishu: message refused (code {body.get('code')})",
                            status=response.status, provider_code=body.get("code"))
    http.check_status("feishu", response)
    body = http.json_body("feishu", response)
    if body.get("code") != 0:
        raise ProviderError("rejected", f"feishu: message refused (code {body.get('code')})",
                            provider_code=body.get("code"))
    message_id = (body.get("data") or {}).get("message_id")
    return SendResult(latency_ms=int(response.elapsed_ms) + token_latency, message_id=message_id)
