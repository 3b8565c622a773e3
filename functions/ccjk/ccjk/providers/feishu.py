"""Feishu custom robots: `POST <base>/open-apis/bot/v2/hook/<token>`.

Signing: body fields `timestamp` (seconds, as a string) and `sign = base64(HMAC-SHA256(key = timestamp + "\\n" +
secret, message = ""))`. Answers `{"code": 0}` (older robots `{"StatusCode": 0}`); 11232 means "too fast".
Limits per robot: 5/s and 100/min.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from ccjk.providers import robots
from ccjk.providers.robots import Message, OutboundRequest, RateLimit, RobotEndpoint

NAME = "feishu"
ENDPOINT = RobotEndpoint("/open-apis/bot/v2/hook/", None)
RATE_LIMITS = (RateLimit(5, 1), RateLimit(100, 60))
THROTTLE_CODES = {11232: 10}  # answer code → seconds to wait before retrying


def sign(secret: str, timestamp: int) -> str:
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def build(webhook: str, secret: str | None, message: Message, now: float) -> OutboundRequest:
    """`msg_type: post` with the title, `text` without; signed when the robot has a secret."""
    headline = robots.headline(message)
    if headline:
        payload: dict[str, Any] = {"msg_type": "post", "content": {"post": {"zh_cn": {
            "title": headline, "content": [[{"tag": "text", "text": message.body}]]}}}}
    else:
        payload = {"msg_type": "text", "content": {"text": message.body}}
    if secret:
        timestamp = int(now)
        payload = {"timestamp": str(timestamp), "sign": sign(secret, timestamp), **payload}
    return OutboundRequest(webhook, payload)


def answer_code(body: Any) -> tuple[int, str]:
    if not isinstance(body, dict):
        return 0, ""
    code = body.get("code", body.get("StatusCode", 0))
    return int(code or 0), str(body.get("msg") or body.get("StatusMessage") or "")


def send(request: OutboundRequest, *, deadline: float | None) -> int:
    return robots.post(NAME, ENDPOINT, request, answer_code=answer_code, throttle_codes=THROTTLE_CODES,
                       deadline=deadline)
