"""WeCom group robots: `POST <base>/cgi-bin/webhook/send?key=<key>`, not signed (the key is in the URL).

`msgtype: markdown` (≤ 4096 bytes) with a title, `text` (≤ 2048 bytes) without. Answers `{"errcode": 0}`;
45009 means "too fast". Limit per robot: 20/min.
"""

from __future__ import annotations

from typing import Any

from ccjk.providers import dingtalk, robots
from ccjk.providers.robots import Message, OutboundRequest, RateLimit, RobotEndpoint

NAME = "wecom"
ENDPOINT = RobotEndpoint("/cgi-bin/webhook/send", "key")
RATE_LIMITS = (RateLimit(20, 60),)
THROTTLE_CODES = {45009: 60}
MARKDOWN_BYTES = 4096
TEXT_BYTES = 2048


def build(webhook: str, secret: str | None, message: Message, now: float) -> OutboundRequest:
    """`secret` and `now` are unused: WeCom robots are not signed."""
    headline = robots.headline(message)
    if headline or message.reply_code:  # the reply options are listed (group robots have no buttons)
        hint = robots.reply_hint(message)
        tail = f"\n\n{hint}" if hint else ""  # the body gives way to the hint, never the other way round
        body = robots.truncate_utf8(f"**{headline or 'CCJK'}**\n{message.body}", MARKDOWN_BYTES - len(tail.encode()))
        payload: dict[str, Any] = {"msgtype": "markdown", "markdown": {"content": body + tail}}
    else:
        payload = {"msgtype": "text", "text": {"content": robots.truncate_utf8(message.body, TEXT_BYTES)}}
    return OutboundRequest(webhook, payload)


answer_code = dingtalk.answer_code  # the same `{"errcode", "errmsg"}` answers


def send(request: OutboundRequest, *, deadline: float | None) -> int:
    return robots.post(NAME, ENDPOINT, request, answer_code=answer_code, throttle_codes=THROTTLE_CODES,
                       deadline=deadline)
