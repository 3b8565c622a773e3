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


HEADER_COLOURS = {"urgent": "red", "high": "orange"}


def card(message: Message) -> dict[str, Any]:
    """An interactive card: the title as header, the body as markdown, one button per reply option. A button's
    `value` comes back in the `card.action.trigger` callback: `{notificationId, actionId, value}`, or
    `{cardId, actionId}` for a cloud-control card (the command itself never leaves the server)."""
    buttons = []
    for button in message.buttons:
        if message.card_id:
            value: dict[str, Any] = {"cardId": message.card_id, "actionId": button.action_id}
        else:
            value = {"notificationId": message.notification_id, "actionId": button.action_id, "value": button.value}
        element: dict[str, Any] = {
            "tag": "button", "text": {"tag": "plain_text", "content": button.label},
            "type": "danger" if button.danger else "primary" if button.primary else "default", "value": value}
        if button.confirm:
            element["confirm"] = {"title": {"tag": "plain_text", "content": "确认 Confirm"},
                                  "text": {"tag": "plain_text", "content": button.label}}
        buttons.append(element)
    elements: list[dict[str, Any]] = [{"tag": "div", "text": {"tag": "lark_md", "content": message.body}}]
    if buttons:
        elements.append({"tag": "action", "actions": buttons})
    hint = robots.reply_hint(message)
    if hint:
        elements.append({"tag": "note", "elements": [{"tag": "lark_md", "content": hint}]})
    return {"config": {"wide_screen_mode": True},
            "header": {"title": {"tag": "plain_text", "content": robots.headline(message) or "CCJK"},
                       "template": HEADER_COLOURS.get(message.priority, "blue")},
            "elements": elements}


def build(webhook: str, secret: str | None, message: Message, now: float) -> OutboundRequest:
    """`msg_type: interactive` (a card with buttons) when the message has reply options; else `post` with the
    title, `text` without (with the reply hint when it waits for a text reply); signed when the robot has a
    secret."""
    headline = robots.headline(message)
    if message.buttons:
        payload: dict[str, Any] = {"msg_type": "interactive", "card": card(message)}
    elif headline:
        payload = {"msg_type": "post", "content": {"post": {"zh_cn": {
            "title": headline, "content": [[{"tag": "text", "text": robots.with_hint(message)}]]}}}}
    else:
        payload = {"msg_type": "text", "content": {"text": robots.with_hint(message)}}
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
