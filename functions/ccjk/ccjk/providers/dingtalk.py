"""DingTalk custom robots: `POST <base>/robot/send?access_token=<token>`.

Signing: `&timestamp=<ms>&sign=<urlencode(base64(HMAC-SHA256(key = secret, message = ms + "\\n" + secret)))>`
appended to the webhook URL. Answers `{"errcode": 0}`; 130101 and 410100 mean "too fast". Limit per robot:
20/min (then 10 minutes of throttling).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from urllib.parse import quote_plus

from ccjk.providers import robots
from ccjk.providers.robots import Message, OutboundRequest, RateLimit, RobotEndpoint

NAME = "dingtalk"
ENDPOINT = RobotEndpoint("/robot/send", "access_token")
RATE_LIMITS = (RateLimit(20, 60),)
THROTTLE_CODES = {130101: 60, 410100: 600}


def sign(secret: str, timestamp_ms: int) -> str:
    """The base64 signature (URL-encode it when appending it to the query)."""
    message = f"{timestamp_ms}\n{secret}".encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def build(webhook: str, secret: str | None, message: Message, now: float) -> OutboundRequest:
    """`msgtype: markdown` with a title, `text` without; the signature in the URL when the robot has a secret."""
    headline = robots.headline(message)
    if headline:
        payload: dict[str, Any] = {"msgtype": "markdown", "markdown": {
            "title": headline, "text": f"#### {headline}\n\n{message.body}"}}
    else:
        payload = {"msgtype": "text", "text": {"content": message.body}}
    url = webhook
    if secret:
        timestamp_ms = int(now * 1000)
        url += f"&timestamp={timestamp_ms}&sign={quote_plus(sign(secret, timestamp_ms))}"
    return OutboundRequest(url, payload)


def answer_code(body: Any) -> tuple[int, str]:
    if not isinstance(body, dict):
        return 0, ""
    return int(body.get("errcode") or 0), str(body.get("errmsg") or "")


def send(request: OutboundRequest, *, deadline: float | None) -> int:
    return robots.post(NAME, ENDPOINT, request, answer_code=answer_code, throttle_codes=THROTTLE_CODES,
                       deadline=deadline)
