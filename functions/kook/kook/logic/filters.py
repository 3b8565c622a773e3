"""The filter rules of `GET|POST /api/system/filter-rules`, applied to one KOOK message (pure logic).

- `message_types`: the original knew text, image, file and link; video, audio and card came later. A rule list
  that names none of the newer kinds keeps the original's coarse meaning (video and audio count as file, a card
  as text); once it names one of them, every kind must be listed to pass.
- `only_mention_all`: only messages that mention everyone (`@全体成员`).
- keywords (when `keyword_filter_enabled`): a blacklisted word anywhere drops the message; a non-empty whitelist
  needs one of its words. Case-insensitive, on the message's visible text.
- users (when `user_filter_enabled`): entries `{id, name}` match the author's id, user name or nickname.
- `ignore_bot_messages`: drop every message a KOOK bot wrote (another bridge's echo of what we forwarded).
  Messages of our own bot accounts are dropped by the router whatever the rules say.

`reason()` answers why a message is dropped (None: forward it), for the logs.
"""

from __future__ import annotations

from typing import Any

FINE_KINDS = {"video": "file", "audio": "file", "card": "text"}


def _category(kind: str, listed: list[str]) -> str:
    fine_grained = any(name in listed for name in FINE_KINDS)
    return kind if fine_grained else FINE_KINDS.get(kind, kind)


def _matches_user(entries: list[Any], author: dict[str, Any]) -> bool:
    names = {str(author.get(key) or "").lower() for key in ("username", "nickname")} - {""}
    for entry in entries:
        if isinstance(entry, dict):
            if entry.get("id") and str(entry["id"]) == author.get("id"):
                return True
            if entry.get("name") and str(entry["name"]).lower() in names:
                return True
        elif isinstance(entry, str) and (entry == author.get("id") or entry.lower() in names):
            return True
    return False


def _type_reason(rules: dict[str, Any], kind: str) -> str | None:
    listed = list(rules.get("message_types") or [])
    if listed and _category(kind, listed) not in listed:
        return f"message type {kind} is filtered out"
    return None


def _keyword_reason(rules: dict[str, Any], text: str) -> str | None:
    if not rules.get("keyword_filter_enabled"):
        return None
    lowered = text.lower()
    if any(word and word.lower() in lowered for word in rules.get("keyword_blacklist") or []):
        return "a blacklisted keyword"
    allowed = [word for word in rules.get("keyword_whitelist") or [] if word]
    if allowed and not any(word.lower() in lowered for word in allowed):
        return "no whitelisted keyword"
    return None


def _user_reason(rules: dict[str, Any], author: dict[str, Any]) -> str | None:
    if not rules.get("user_filter_enabled"):
        return None
    if _matches_user(rules.get("user_blacklist") or [], author):
        return "the author is blacklisted"
    whitelist = rules.get("user_whitelist") or []
    if whitelist and not _matches_user(whitelist, author):
        return "the author is not whitelisted"
    return None


def reason(rules: dict[str, Any], *, kind: str, text: str, author: dict[str, Any], mention_all: bool) -> str | None:
    if rules.get("only_mention_all") and not mention_all:
        return "only messages that mention everyone are forwarded"
    if rules.get("ignore_bot_messages") and author.get("bot"):
        return "a bot wrote it"
    return _type_reason(rules, kind) or _keyword_reason(rules, text) or _user_reason(rules, author)
