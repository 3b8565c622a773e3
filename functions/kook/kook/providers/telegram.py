"""Telegram Bot API: `POST {base}/bot<token>/<method>`; answers `{ok, result}` or `{ok:false, error_code,
description, parameters{retry_after}}`. The token sits in the path, which the HTTP client never logs."""

from __future__ import annotations

import re
from typing import Any

from kook import config
from kook.providers import http
from kook.providers.http import ProviderError, SendResult

TOKEN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{20,100}$")
CHAT_ID = re.compile(r"^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{3,62})$")
MAX_TEXT = 4096


def _call(token: str, method: str, payload: dict[str, Any] | None = None) -> tuple[Any, int]:
    if not TOKEN.match(token or ""):
        raise ProviderError("rejected", "telegram: the bot token is malformed")
    base = config.base_url("telegram")
    client = http.for_base_url(base)
    response = http.guarded("telegram", lambda: client.post(f"{base}/bot{token}/{method}", json=payload or {},
                                                            deadline=http.deadline()))
    if response.status in (401, 404):
        raise ProviderError("rejected", "telegram: the bot token was refused", status=response.status)
    if response.status == 400:
        body = http.json_body("telegram", response)
        raise ProviderError("rejected", f"telegram: {str(body.get('description', 'bad request'))[:200]}",
                            status=400)
    http.check_status("telegram", response)
    body = http.json_body("telegram", response)
    if not body.get("ok"):
        raise ProviderError("rejected", "telegram: request refused", provider_code=body.get("error_code"))
    return body.get("result"), int(response.elapsed_ms)


def send_text(token: str, chat_id: str, text: str) -> SendResult:
    result, latency = _call(token, "sendMessage", {"chat_id": chat_id, "text": text[:MAX_TEXT],
                                                   "disable_web_page_preview": True})
    return SendResult(latency_ms=latency, message_id=str((result or {}).get("message_id", "")) or None)


def get_me(token: str) -> tuple[dict[str, Any], int]:
    result, latency = _call(token, "getMe")
    return {"username": (result or {}).get("username"), "id": (result or {}).get("id")}, latency


def recent_chats(token: str) -> list[dict[str, Any]]:
    """Chats that recently wrote to the bot (`getUpdates`): how users find a group's chat_id."""
    updates, _latency = _call(token, "getUpdates", {"limit": 100, "timeout": 0})
    chats: dict[str, dict[str, Any]] = {}
    for update in updates or []:
        for field in ("message", "channel_post", "my_chat_member", "edited_message"):
            chat = (update.get(field) or {}).get("chat")
            if chat and "id" in chat:
                chats[str(chat["id"])] = {"chat_id": str(chat["id"]), "type": chat.get("type"),
                                          "title": chat.get("title") or chat.get("username")
                                          or chat.get("first_name") or ""}
    return list(chats.values())
