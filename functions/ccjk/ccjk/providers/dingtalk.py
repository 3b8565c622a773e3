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
from urllib.parse import quote, quote_plus

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


SEND_MESSAGE_LINK = "dtmd://dingtalkclient/sendMessage?content="  # a link that types a message into the chat


def build(webhook: str, secret: str | None, message: Message, now: float) -> OutboundRequest:
    """`msgtype: actionCard` when the message has reply options (each button types `#<replyCode> <value>` into the
    conversation, where the deployment's app robot reads it), `markdown` with a title, `text` without; the
    signature in the URL when the robot has a secret."""
    headline = robots.headline(message)
    if message.buttons and message.reply_code:
        title = headline or "CCJK"
        payload: dict[str, Any] = {"msgtype": "actionCard", "actionCard": {
            "title": title, "text": f"#### {title}\n\n{robots.with_hint(message)}", "btnOrientation": "0",
            "btns": [{"title": b.label,
                      "actionURL": SEND_MESSAGE_LINK + quote(f"#{message.reply_code} {b.value or b.action_id}")}
                     for b in message.buttons]}}
    elif headline:
        payload = {"msgtype": "markdown", "markdown": {
            "title": headline, "text": f"#### {headline}\n\n{robots.with_hint(message)}"}}
    else:
        payload = {"msgtype": "text", "text": {"content": robots.with_hint(message)}}
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
