"""Telegram Bot API: `POST {base}/bot<token>/<method>`; answers `{ok, result}` or `{ok:false, error_code,
description, parameters{retry_after}}`. The token sits in the path, which the HTTP client never logs."""

from __future__ import annotations

import re
from typing import Any

from kook import config
from kook.providers import http, multipart
from kook.providers.http import SendResult
from suite.outbound import ProviderError, UrlPolicy, check_status, guarded, json_body

TOKEN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{20,100}$")
CHAT_ID = re.compile(r"^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{3,62})$")
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_PHOTO_BYTES = 10 * 1024 * 1024  # sendPhoto upload
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024  # sendDocument upload


def _call(token: str, method: str, payload: dict[str, Any] | None = None, *, worker: bool = False,
          upload: tuple[bytes, str] | None = None) -> tuple[Any, int]:
    """One Bot API call. `worker`: a single attempt (queue workers retry through the queue); `upload`: a
    multipart body and its content type instead of JSON."""
    if not TOKEN.match(token or ""):
        raise ProviderError("rejected", "telegram: the bot token is malformed")
    base = config.get().base_url("telegram")
    client = http.worker_client(UrlPolicy.for_base_url(base)) if worker else http.for_base_url(base)
    sending: dict[str, Any] = {"json": payload or {}}
    if upload is not None:
        sending = {"data": upload[0], "headers": {"Content-Type": upload[1]}}
    response = guarded("telegram", lambda: client.post(f"{base}/bot{token}/{method}", deadline=http.deadline(),
                                                            **sending))
    if response.status in (401, 404):
        raise ProviderError("rejected", "telegram: the bot token was refused", status=response.status)
    if response.status == 400:
        body = json_body("telegram", response)
        raise ProviderError("rejected", f"telegram: {str(body.get('description', 'bad request'))[:200]}",
                            status=400)
    check_status("telegram", response)
    body = json_body("telegram", response)
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


# ------------------------------------------------------------------------------------------------ forwarding

def send_html(token: str, chat_id: str, text: str) -> SendResult:
    """`sendMessage` with `parse_mode=HTML` (the text is escaped by the renderer)."""
    result, latency = _call(token, "sendMessage", {"chat_id": chat_id, "text": text[:MAX_TEXT], "parse_mode": "HTML",
                                                   "disable_web_page_preview": True}, worker=True)
    return SendResult(latency_ms=latency, message_id=str((result or {}).get("message_id", "")) or None)


def send_file(token: str, chat_id: str, *, photo: bool, filename: str, data: bytes, content_type: str,
              caption_html: str | None = None) -> SendResult:
    """`sendPhoto` (≤ 10 MB) or `sendDocument` (≤ 50 MB) with the bytes uploaded as multipart; an optional HTML
    caption (≤ 1024 characters)."""
    method, field = ("sendPhoto", "photo") if photo else ("sendDocument", "document")
    parts: list[multipart.Field | multipart.File] = [multipart.Field("chat_id", chat_id)]
    if caption_html:
        parts += [multipart.Field("caption", caption_html[:MAX_CAPTION]), multipart.Field("parse_mode", "HTML")]
    parts.append(multipart.File(field, filename, data, content_type))
    body = multipart.encode(parts)
    result, latency = _call(token, method, worker=True, upload=body)
    return SendResult(latency_ms=latency, message_id=str((result or {}).get("message_id", "")) or None)
