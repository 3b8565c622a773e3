"""Inbound platform callbacks (`/reply/feishu`, `/reply/dingtalk`, `/reply/wechat`): authenticated by each
platform's own rules (logic/callback_crypto.py) with the secrets of REPLY_CALLBACK_SECRET_ARN, then turned into a
reply to a notification — or, for a cloud-control card, into a command.

Matching: a Feishu button names its notification (`{notificationId, actionId, value}`) or its card
(`{cardId, actionId}`); a text message on any platform starts with `#<replyCode>` (after any @-mention) and the
rest is the reply (on a card: the action's id). A code matches only an open notification (within its reply
window). Platforms retry: each event is stored once (its id kept a day). Nothing that fails authentication is
read further; a message that matches nothing is answered with a hint and stored nowhere.

Group robots configured by a webhook URL (what devices store) cannot deliver callbacks on any of the three
platforms: these need the deployment's app (a Feishu app with its bot and card callbacks, a DingTalk app robot
in HTTP mode, a WeCom application), whose secrets go in the secret.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

from ccjk import clock
from ccjk.logic import control, replies
from ccjk.logic.callback_crypto import (
    CallbackRefused,
    dingtalk_check_signature,
    feishu_check_signature,
    feishu_decrypt,
    wecom_check_signature,
    wecom_decrypt,
)
from ccjk.models.entities import Notification
from ccjk.store import callback_secrets, reply_codes
from ccjk.store import notifications as notification_data
from ccjk.store import replies as reply_data
from suite.errors import ApiError, BadRequest, NotFound, Unauthorized

MAX_BODY_BYTES = 64 * 1024
CODE_TEXT = re.compile(r"^#([A-Za-z0-9]{6})(?![A-Za-z0-9])\s*(.*)$", re.DOTALL)
MENTIONS = re.compile(r"^(?:@\S+\s+)+")
WECOM_ENCRYPT = re.compile(rb"<Encrypt>\s*<!\[CDATA\[([A-Za-z0-9+/=]+)\]\]>\s*</Encrypt>"
                           rb"|<Encrypt>([A-Za-z0-9+/=]+)</Encrypt>")
RECEIVED = "已收到回复 Reply received"
HINT = "未找到对应的通知：请以 #回复码 开头 (start your reply with #<reply code>)"
CLOSED = "该通知已不再接收回复 This notification no longer takes replies"


def _refused() -> ApiError:
    return Unauthorized("Callback signature or token is not valid", code="CALLBACK_REFUSED")


def _secrets(platform: str) -> dict[str, str]:
    found = callback_secrets.platform(platform)
    if found is None:
        raise NotFound(f"{platform} callbacks are not configured", code="NOT_CONFIGURED")
    return found


def _json(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("Callback body must be JSON", code="INVALID_BODY") from None
    if not isinstance(value, dict):
        raise BadRequest("Callback body must be a JSON object", code="INVALID_BODY")
    return value


def _same(expected: str | None, given: Any) -> bool:
    import hmac  # noqa: PLC0415

    return bool(expected) and isinstance(given, str) and hmac.compare_digest(expected.encode(), given.encode())


# ------------------------------------------------------------------------------------------------ matching

@dataclass(frozen=True)
class Outcome:
    matched: bool
    message: str


def _open_notification(device_id: str, notification_id: str) -> Notification | None:
    now = int(clock.now())
    found = notification_data.get(device_id, notification_id, now)
    if found is None or not found.wait_reply or (found.reply_until is not None and found.reply_until <= now):
        return None
    return found


def _store(notification: Notification, *, channel: str, content: str, action_id: str | None,
           metadata: dict[str, Any], event_key: str) -> Outcome:
    try:
        replies.record(notification, channel=channel, content=content, action_id=action_id, metadata=metadata,
                       event_key=event_key)
    except reply_data.Duplicate:
        pass  # the platform's retry of an event stored before
    except NotFound:
        return Outcome(False, CLOSED)
    return Outcome(True, RECEIVED)


def text_reply(text: str, *, channel: str, metadata: dict[str, Any], event_key: str) -> Outcome:
    """`#<code> <answer>`: the answer to the notification with that open code (on a card: run the action)."""
    match = CODE_TEXT.match(MENTIONS.sub("", text.strip()))
    if not match or not match.group(2).strip():
        return Outcome(False, HINT)
    code, answer = match.group(1).upper(), match.group(2).strip()[:4000]
    pointer = reply_codes.by_code(code, int(clock.now()))
    notification = _open_notification(*pointer) if pointer else None
    if notification is None:
        return Outcome(False, HINT if pointer is None else CLOSED)
    if notification.card_id:
        action = answer.split()[0]
        if control.card_action(notification.card_id, action, event_key=event_key,
                               device_id=notification.device_id):
            return Outcome(True, RECEIVED)
        return Outcome(False, HINT)
    return _store(notification, channel=channel, content=answer, action_id=None,
                  metadata={**metadata, "action": "text"}, event_key=event_key)


def button_reply(value: Mapping[str, Any], *, channel: str, metadata: dict[str, Any], event_key: str) -> Outcome:
    """A click on a card button whose value the server rendered (logic/delivery.robot_message)."""
    action_id = value.get("actionId")
    if not isinstance(action_id, str) or not action_id:
        return Outcome(False, HINT)
    card_id = value.get("cardId")
    if isinstance(card_id, str) and card_id:
        done = control.card_action(card_id, action_id, event_key=event_key)
        return Outcome(done, RECEIVED if done else CLOSED)
    notification_id = value.get("notificationId")
    if not isinstance(notification_id, str) or not 1 <= len(notification_id) <= 64:
        return Outcome(False, HINT)
    device_id = reply_codes.device_of(notification_id, int(clock.now()))
    notification = _open_notification(device_id, notification_id) if device_id else None
    if notification is None:
        return Outcome(False, CLOSED)
    offered = {a.get("id"): a for a in notification.actions}
    if action_id not in offered:
        return Outcome(False, HINT)  # only the options the notification offered
    content = str(offered[action_id].get("value") or action_id)
    return _store(notification, channel=channel, content=content, action_id=action_id,
                  metadata={**metadata, "action": "button_click"}, event_key=event_key)


# ------------------------------------------------------------------------------------------------ Feishu

def feishu(body: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
    """A Feishu callback: the URL challenge, a card button click (`card.action.trigger`) or a message to the bot
    (`im.message.receive_v1`). Answers what Feishu expects: `{"challenge"}`, or `{}` / a toast."""
    secrets = _secrets("feishu")
    payload = _feishu_payload(body, secrets.get("encryptKey"))
    if payload.get("type") == "url_verification":  # sent when the URL is saved; not signed
        if not _same(secrets.get("verificationToken"), payload.get("token")):
            raise _refused()
        return {"challenge": str(payload.get("challenge", ""))}
    if secrets.get("encryptKey"):
        try:
            feishu_check_signature(timestamp=headers.get("x-lark-request-timestamp"),
                                   nonce=headers.get("x-lark-request-nonce"),
                                   signature=headers.get("x-lark-signature"), encrypt_key=secrets["encryptKey"],
                                   body=body, now=clock.now())
        except CallbackRefused:
            raise _refused() from None
    header = _object(payload.get("header"))
    if not _same(secrets.get("verificationToken"), header.get("token", payload.get("token"))):
        raise _refused()
    event_id = str(header.get("event_id") or payload.get("uuid") or "")[:128]
    event = _object(payload.get("event"))
    if event_id and header.get("event_type") == "card.action.trigger":
        return _feishu_click(event, f"feishu#{event_id}")
    if event_id and header.get("event_type") == "im.message.receive_v1":
        _feishu_message(event, f"feishu#{event_id}")
    return {}


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _feishu_payload(body: bytes, encrypt_key: str | None) -> dict[str, Any]:
    """The event, decrypted when Feishu encrypted it (an undecryptable body is not Feishu's: 401)."""
    outer = _json(body[:MAX_BODY_BYTES + 1])
    if "encrypt" not in outer:
        return outer
    if not encrypt_key or not isinstance(outer["encrypt"], str):
        raise _refused()
    try:
        return _json(feishu_decrypt(outer["encrypt"], encrypt_key).encode())
    except (CallbackRefused, BadRequest):
        raise _refused() from None


def _feishu_click(event: dict[str, Any], event_key: str) -> dict[str, Any]:
    value = _object(event.get("action")).get("value")
    if isinstance(value, str):  # some card versions send the value as JSON text
        try:
            value = json.loads(value)
        except ValueError:
            value = {}
    outcome = button_reply(_object(value), channel="feishu",
                           metadata={"openId": _object(event.get("operator")).get("open_id")}, event_key=event_key)
    return {"toast": {"type": "success" if outcome.matched else "error", "content": outcome.message}}


def _feishu_message(event: dict[str, Any], event_key: str) -> None:
    sender = _object(_object(event.get("sender")).get("sender_id"))
    try:
        text = _object(json.loads(_object(event.get("message")).get("content") or "{}")).get("text", "")
    except ValueError:
        text = ""
    text_reply(str(text), channel="feishu", metadata={"openId": sender.get("open_id")}, event_key=event_key)


# ------------------------------------------------------------------------------------------------ DingTalk

def dingtalk(body: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
    """A DingTalk app robot's message (HTTP mode). Answers a text message into the conversation."""
    secrets = _secrets("dingtalk")
    try:
        dingtalk_check_signature(timestamp=headers.get("timestamp"), sign=headers.get("sign"),
                                 app_secret=secrets.get("appSecret", ""), now=clock.now())
    except CallbackRefused:
        raise _refused() from None
    message = _json(body[:MAX_BODY_BYTES + 1])
    text = (message.get("text") or {}).get("content", "") if isinstance(message.get("text"), dict) else ""
    message_id = str(message.get("msgId") or "")[:128]
    outcome = Outcome(False, HINT)
    if message_id and isinstance(text, str):
        outcome = text_reply(text, channel="dingtalk", event_key=f"dingtalk#{message_id}", metadata={
            "senderStaffId": message.get("senderStaffId"), "senderNick": message.get("senderNick"),
            "conversationId": message.get("conversationId")})
    return {"msgtype": "text", "text": {"content": outcome.message}}


# ------------------------------------------------------------------------------------------------ WeCom

def wecom_verify_url(query: Mapping[str, str]) -> str:
    """`GET /reply/wechat` (saving the callback URL): the decrypted `echostr`, as plain text."""
    secrets = _secrets("wecom")
    echo = query.get("echostr") or ""
    try:
        wecom_check_signature(token=secrets.get("token", ""), timestamp=query.get("timestamp"),
                              nonce=query.get("nonce"), encrypted=echo, signature=query.get("msg_signature"),
                              now=clock.now())
        return wecom_decrypt(echo, secrets.get("encodingAesKey", ""), secrets.get("corpId", ""))
    except CallbackRefused:
        raise _refused() from None


def wecom_message(body: bytes, query: Mapping[str, str]) -> None:
    """`POST /reply/wechat`: a message or a template-card click of the WeCom application."""
    secrets = _secrets("wecom")
    found = WECOM_ENCRYPT.search(body[:MAX_BODY_BYTES])
    encrypted = (found.group(1) or found.group(2)).decode() if found else ""
    try:
        wecom_check_signature(token=secrets.get("token", ""), timestamp=query.get("timestamp"),
                              nonce=query.get("nonce"), encrypted=encrypted, signature=query.get("msg_signature"),
                              now=clock.now())
        plain = wecom_decrypt(encrypted, secrets.get("encodingAesKey", ""), secrets.get("corpId", ""))
    except CallbackRefused:
        raise _refused() from None
    try:  # authenticated: WeCom's own XML
        root = ElementTree.fromstring(plain)  # noqa: S314
    except ElementTree.ParseError:
        raise BadRequest("WeCom message is not XML", code="INVALID_BODY") from None
    fields = {child.tag: (child.text or "") for child in root}
    user = fields.get("FromUserName")
    if fields.get("MsgType") == "text":
        text_reply(fields.get("Content", ""), channel="wechat", metadata={"userId": user},
                   event_key=f"wecom#{fields.get('MsgId') or user + fields.get('CreateTime', '')}")
    elif fields.get("MsgType") == "event" and fields.get("Event") == "template_card_event":
        button_reply({"notificationId": fields.get("TaskId"), "actionId": fields.get("EventKey")}, channel="wechat",
                     metadata={"userId": user}, event_key=f"wecom#{user}#{fields.get('CreateTime', '')}")
