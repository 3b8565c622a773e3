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
from kook.providers import http, multipart
from kook.providers.http import SendResult
from suite.outbound import ProviderError, UrlPolicy, check_status, guarded, json_body, parse_retry_after

_REFRESH_MARGIN = 300
_tokens: dict[tuple[str, str, str], tuple[str, float]] = {}  # (base, app_id, secret digest) → (token, valid until)
_lock = threading.Lock()


def _secret_id(app_secret: str) -> str:
    return hashlib.sha256(app_secret.encode()).hexdigest()


def tenant_token(app_id: str, app_secret: str) -> tuple[str, int]:
    """(token, latency_ms of fetching it; 0 when cached)."""
    base = config.get().base_url("feishu")
    cache_key = (base, app_id, _secret_id(app_secret))
    with _lock:
        cached = _tokens.get(cache_key)
        if cached and cached[1] > time.monotonic():
            return cached[0], 0
    client = http.for_base_url(base)
    response = guarded("feishu", lambda: client.post(
        f"{base}/open-apis/auth/v3/tenant_access_token/internal",
        json={"app_id": app_id, "app_secret": app_secret}, deadline=http.deadline()))
    check_status("feishu", response)
    body = json_body("feishu", response)
    if body.get("code") != 0 or not body.get("tenant_access_token"):
        raise ProviderError("rejected", "feishu: app_id or app_secret refused", provider_code=body.get("code"))
    lifetime = max(60, int(body.get("expire", 7200)) - _REFRESH_MARGIN)
    with _lock:
        _tokens[cache_key] = (body["tenant_access_token"], time.monotonic() + lifetime)
    return body["tenant_access_token"], int(response.elapsed_ms)


def send_text(app_id: str, app_secret: str, chat_id: str, text: str, *, idempotency_key: str | None = None
              ) -> SendResult:
    token, token_latency = tenant_token(app_id, app_secret)
    base = config.get().base_url("feishu")
    client = http.for_base_url(base)
    payload: dict[str, Any] = {"receive_id": chat_id, "msg_type": "text",
                               "content": json.dumps({"text": text}, ensure_ascii=False),
                               "uuid": idempotency_key or uuid.uuid4().hex}
    response = guarded("feishu", lambda: client.post(
        f"{base}/open-apis/im/v1/messages", params={"receive_id_type": "chat_id"}, json=payload,
        headers={"Authorization": f"Bearer {token}"}, idempotent=True, deadline=http.deadline()))
    if response.status in (400, 401, 403):
        body = json_body("feishu", response)
        raise ProviderError("rejected", f"feishu: message refused (code {body.get('code')})",
                            status=response.status, provider_code=body.get("code"))
    check_status("feishu", response)
    body = json_body("feishu", response)
    if body.get("code") != 0:
        raise ProviderError("rejected", f"feishu: message refused (code {body.get('code')})",
                            provider_code=body.get("code"))
    message_id = (body.get("data") or {}).get("message_id")
    return SendResult(latency_ms=int(response.elapsed_ms) + token_latency, message_id=message_id)


# ------------------------------------------------------------------------------------------------ forwarding

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_FILE_BYTES = 30 * 1024 * 1024
RATE_LIMITED_CODES = {99991400, 11232, 11233, 11247}  # "request trigger frequency limit" and per-chat limits
TOKEN_INVALID_CODES = {99991661, 99991663, 99991664, 99991668}
FILE_TYPES = {"video/mp4": "mp4", "application/pdf": "pdf", "audio/ogg": "opus", "audio/opus": "opus",
              "application/msword": "doc", "application/vnd.ms-excel": "xls", "application/vnd.ms-powerpoint": "ppt"}


def forget_token(app_id: str, app_secret: str) -> None:
    """Drop a cached tenant token Feishu refused (it may have been revoked before it expired)."""
    with _lock:
        _tokens.pop((config.get().base_url("feishu"), app_id, _secret_id(app_secret)), None)


def _authorised_call(app_id: str, app_secret: str, path: str, **request: Any) -> tuple[dict[str, Any], int]:
    """POST with the tenant token (refetched once when Feishu says it is invalid); (data, latency_ms).
    Feishu answers errors as `{code != 0, msg}`, often with HTTP 400; rate limits become ProviderError
    ("rate_limited") with `x-ogw-ratelimit-reset`, 401/403 stay `rejected` with their status."""
    base = config.get().base_url("feishu")
    client = http.worker_client(UrlPolicy.for_base_url(base))
    extra_headers = request.pop("headers", {})
    for attempt in range(2):
        token, token_latency = tenant_token(app_id, app_secret)
        headers = {**extra_headers, "Authorization": f"Bearer {token}"}
        response = guarded("feishu", lambda h=headers: client.post(f"{base}{path}", headers=h,
                                                                        deadline=http.deadline(), **request))
        try:
            body = response.json()
        except ValueError:
            body = {}
        code = body.get("code") if isinstance(body, dict) else None
        if code in TOKEN_INVALID_CODES and attempt == 0:
            forget_token(app_id, app_secret)
            continue
        if response.status == 429 or code in RATE_LIMITED_CODES:
            reset = parse_retry_after(response.headers.get("x-ogw-ratelimit-reset"))
            raise ProviderError("rate_limited", "feishu: rate limited", status=response.status,
                                retry_after=reset if reset is not None else 1.0, provider_code=code)
        if response.status in (401, 403):
            raise ProviderError("rejected", f"feishu: credentials refused (code {code})", status=response.status,
                                provider_code=code)
        if response.status >= 500:
            raise ProviderError("unreachable", f"feishu: server error (HTTP {response.status})",
                                status=response.status)
        if response.status >= 400 or code != 0:
            raise ProviderError("rejected", f"feishu: request refused (code {code})",
                                status=response.status if response.status >= 400 else 400, provider_code=code)
        return body.get("data") or {}, int(response.elapsed_ms) + token_latency
    raise ProviderError("rejected", "feishu: the tenant token was refused", status=401)


def send_message(app_id: str, app_secret: str, chat_id: str, *, msg_type: str, content: dict[str, Any],
                 idempotency_key: str) -> SendResult:
    """`POST /open-apis/im/v1/messages?receive_id_type=chat_id` (post, image or file). `uuid` makes Feishu drop
    a repeat of the same send within an hour."""
    payload = {"receive_id": chat_id, "msg_type": msg_type, "content": json.dumps(content, ensure_ascii=False),
               "uuid": idempotency_key[:50]}
    data, latency = _authorised_call(app_id, app_secret, "/open-apis/im/v1/messages",
                                     params={"receive_id_type": "chat_id"}, json=payload)
    return SendResult(latency_ms=latency, message_id=data.get("message_id"))


def upload_image(app_id: str, app_secret: str, *, filename: str, data: bytes, content_type: str) -> tuple[str, int]:
    """`POST /open-apis/im/v1/images` (image_type=message) → (image_key, latency_ms)."""
    return _upload(app_id, app_secret, "/open-apis/im/v1/images", "image_key",
                   [multipart.Field("image_type", "message"), multipart.File("image", filename, data, content_type)])


def upload_file(app_id: str, app_secret: str, *, filename: str, data: bytes, content_type: str) -> tuple[str, int]:
    """`POST /open-apis/im/v1/files` → (file_key, latency_ms); `file_type` from the content type, else stream."""
    return _upload(app_id, app_secret, "/open-apis/im/v1/files", "file_key",
                   [multipart.Field("file_type", FILE_TYPES.get(content_type, "stream")),
                    multipart.Field("file_name", filename), multipart.File("file", filename, data, content_type)])


def _upload(app_id: str, app_secret: str, path: str, answer_key: str,
            parts: list[multipart.Field | multipart.File]) -> tuple[str, int]:
    """POST `parts` as multipart/form-data to `path`; (the answer's `answer_key`, latency_ms)."""
    body, content_type = multipart.encode(parts)
    answer, latency = _authorised_call(app_id, app_secret, path, data=body, headers={"Content-Type": content_type})
    if not answer.get(answer_key):
        raise ProviderError("bad_response", f"feishu: no {answer_key} in the answer")
    return answer[answer_key], latency
