"""Feishu, DingTalk and WeCom group robots: exact payloads, signing, rate limits and how to read their answers.

Signing (each provider's custom-robot rules):

- Feishu: body fields `timestamp` (seconds, as a string) and `sign = base64(HMAC-SHA256(key = timestamp + "\\n" +
  secret, message = ""))`.
- DingTalk: query `&timestamp=<ms>&sign=<urlencode(base64(HMAC-SHA256(key = secret, message = ms + "\\n" +
  secret)))>` appended to the webhook URL.
- WeCom: none; the robot key is in the URL.

Answers: Feishu `{"code": 0}` (older robots `{"StatusCode": 0}`), DingTalk and WeCom `{"errcode": 0}`; a few codes
mean "too fast" and are retried later, any other non-zero code is a permanent failure (bad signature, keyword
missing, robot removed) and is not retried.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

from ccjk import channels, settings
from suite.outbound import (
    HttpClient,
    HttpResponse,
    RetryLater,
    RetryPolicy,
    UnsafeUrlError,
    UpstreamError,
    parse_retry_after,
)

PRIORITY_MARKS = {"urgent": "【紧急】", "high": "【重要】"}
WECOM_MARKDOWN_BYTES = 4096
WECOM_TEXT_BYTES = 2048


@dataclass(frozen=True)
class RateLimit:
    limit: int
    window_seconds: int


# Per robot (per webhook URL). Feishu documents 5/s and 100/min; DingTalk 20/min (then 10 minutes of
# throttling); WeCom 20/min.
RATE_LIMITS: dict[str, tuple[RateLimit, ...]] = {
    "feishu": (RateLimit(5, 1), RateLimit(100, 60)),
    "dingtalk": (RateLimit(20, 60),),
    "wecom": (RateLimit(20, 60),),
}
# Answer codes that mean "slow down" (HTTP 200 with an error code), and how long to wait before retrying.
THROTTLE_CODES: dict[str, dict[int, int]] = {
    "feishu": {11232: 10},
    "dingtalk": {130101: 60, 410100: 600},
    "wecom": {45009: 60},
}


@dataclass(frozen=True)
class Message:
    title: str | None
    body: str
    priority: str = "normal"


@dataclass(frozen=True)
class OutboundRequest:
    url: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class Verdict:
    """`sent`, `retry` (after `retry_after` seconds when the provider said so) or `failed` (permanent)."""

    outcome: str
    error: str | None = None
    http_status: int | None = None
    retry_after: float | None = None


# ------------------------------------------------------------------------------------------------ signing

def feishu_sign(secret: str, timestamp: int) -> str:
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """The base64 signature (URL-encode it when appending it to the query)."""
    message = f"{timestamp_ms}\n{secret}".encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


# ------------------------------------------------------------------------------------------------ payloads

def _headline(message: Message) -> str | None:
    mark = PRIORITY_MARKS.get(message.priority, "")
    if message.title:
        return f"{mark}{message.title}"
    return mark.strip() or None


def _truncate_utf8(text: str, limit: int) -> str:
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode(errors="ignore") + "..."


def build(provider: str, webhook: str, secret: str | None, message: Message, now: float) -> OutboundRequest:
    headline = _headline(message)
    if provider == "feishu":
        if headline:
            payload: dict[str, Any] = {"msg_type": "post", "content": {"post": {"zh_cn": {
                "title": headline, "content": [[{"tag": "text", "text": message.body}]]}}}}
        else:
            payload = {"msg_type": "text", "content": {"text": message.body}}
        if secret:
            timestamp = int(now)
            payload = {"timestamp": str(timestamp), "sign": feishu_sign(secret, timestamp), **payload}
        return OutboundRequest(webhook, payload)
    if provider == "dingtalk":
        if headline:
            payload = {"msgtype": "markdown", "markdown": {"title": headline, "text": f"#### {headline}\n\n"
                                                                                       f"{message.body}"}}
        else:
            payload = {"msgtype": "text", "text": {"content": message.body}}
        url = webhook
        if secret:
            timestamp_ms = int(now * 1000)
            url += f"&timestamp={timestamp_ms}&sign={quote_plus(dingtalk_sign(secret, timestamp_ms))}"
        return OutboundRequest(url, payload)
    if provider == "wecom":
        if headline:
            payload = {"msgtype": "markdown", "markdown": {"content": _truncate_utf8(
                f"**{headline}**\n{message.body}", WECOM_MARKDOWN_BYTES)}}
        else:
            payload = {"msgtype": "text", "text": {"content": _truncate_utf8(message.body, WECOM_TEXT_BYTES)}}
        return OutboundRequest(webhook, payload)
    raise ValueError(f"unknown provider {provider!r}")


# ------------------------------------------------------------------------------------------------ answers

def _answer_code(provider: str, body: Any) -> tuple[int, str]:
    if not isinstance(body, dict):
        return 0, ""
    if provider == "feishu":
        code = body.get("code", body.get("StatusCode", 0))
        return int(code or 0), str(body.get("msg") or body.get("StatusMessage") or "")
    return int(body.get("errcode") or 0), str(body.get("errmsg") or "")


def classify(provider: str, response: HttpResponse) -> Verdict:
    status = response.status
    if status == 429 or status >= 500 or status == 408:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return Verdict("retry", f"HTTP {status}", status, retry_after)
    if not response.ok:
        return Verdict("failed", f"HTTP {status}", status)
    try:
        body = json.loads(response.content) if response.content else {}
    except ValueError:
        body = {}
    code, text = _answer_code(provider, body)
    if code == 0:
        return Verdict("sent", None, status)
    error = f"{provider} error {code}" + (f": {text[:200]}" if text else "")
    throttled_for = THROTTLE_CODES[provider].get(code)
    if throttled_for is not None:
        return Verdict("retry", error, status, float(throttled_for))
    return Verdict("failed", error, status)


# ------------------------------------------------------------------------------------------------ sending

@functools.cache
def _client(provider: str, base_url: str) -> HttpClient:
    # In-call retries cover 429/503 with short waits; anything longer goes back to the queue (RetryLater).
    retry = RetryPolicy(max_attempts=3, backoff_base=0.5, backoff_cap=4.0, max_retry_after=5.0)
    return HttpClient(channels.policy(provider), timeout=(3.05, 8.0), retry=retry, max_response_bytes=64 * 1024)


def send(provider: str, request: OutboundRequest, *, deadline: float | None) -> Verdict:
    """POST the request through the provider's guarded client and read the answer into a Verdict."""
    client = _client(provider, settings.provider_base(provider))
    try:
        response = client.post(request.url, json=request.payload, deadline=deadline)
    except RetryLater as later:
        return Verdict("retry", f"HTTP {later.response.status}", later.response.status, later.retry_after_seconds)
    except UnsafeUrlError as exc:
        return Verdict("failed", f"webhook URL refused: {exc}")
    except UpstreamError as exc:
        if exc.kind in ("timeout", "connection"):
            return Verdict("retry", f"{exc.kind}: could not reach {provider}")
        return Verdict("failed", f"{exc.kind}: {provider} answer not usable")
    return classify(provider, response)
