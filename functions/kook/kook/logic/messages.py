"""KOOK messages in one shape, whichever way they arrived, and what a message says (its document and media).

Webhook events (`d` of `{"s": 0, "d": ..., "sn": ...}`) and `/api/v3/message/list` items carry the same message
in different field layouts; `from_event` and `from_list_item` turn both into the dict the ingest queue carries:

    {msg_id, channel_id, guild_id, channel_name, type, content, author{id, username, nickname, avatar, bot},
     timestamp (ms), mention_all, mention_here, mentions{user id: name}, roles{role id: name},
     attachments[{type, url, name, size, file_type}], quote{id, type, content, author} | None,
     account_id, source}

`document()` parses it once (KMarkdown, plain text, card fallback, the quoted message) and `media()` lists the
files to re-upload. Types: 1 text, 2 image, 3 video, 4 file, 8 audio, 9 KMarkdown, 10 card, 255 system.
"""

from __future__ import annotations

import json
import re
from typing import Any

from kook.logic.formatting import kmarkdown
from kook.logic.formatting.document import BOLD, QUOTE, TEXT, Document, Run
from kook.logic.formatting.kmarkdown import Names

TEXT_TYPE, IMAGE, VIDEO, FILE, AUDIO, KMARKDOWN, CARD, SYSTEM = 1, 2, 3, 4, 8, 9, 10, 255
FORWARDED_TYPES = {TEXT_TYPE, IMAGE, VIDEO, FILE, AUDIO, KMARKDOWN, CARD}
KIND_OF_TYPE = {TEXT_TYPE: "text", IMAGE: "image", VIDEO: "video", FILE: "file", AUDIO: "audio",
                KMARKDOWN: "text", CARD: "card"}
MEDIA_KIND_OF_TYPE = {IMAGE: "image", VIDEO: "video", FILE: "file", AUDIO: "audio"}
MEDIA_LABELS = {"image": "[图片]", "video": "[视频]", "audio": "[音频]", "file": "[文件]"}
SYSTEM_AUTHOR = "1"
QUOTE_PREVIEW_CHARS = 200
_URL = re.compile(r"https?://\S+")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _author(raw: dict[str, Any] | None, fallback_id: Any = "") -> dict[str, Any]:
    raw = raw or {}
    return {"id": _text(raw.get("id") or fallback_id), "username": _text(raw.get("username")),
            "nickname": _text(raw.get("nickname")), "avatar": _text(raw.get("avatar")),
            "bot": bool(raw.get("bot"))}


def _attachments(raw: Any) -> list[dict[str, Any]]:
    items = raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else []
    found = []
    for item in items:
        if isinstance(item, dict) and item.get("url"):
            found.append({"type": _text(item.get("type") or "file"), "url": _text(item["url"]),
                          "name": _text(item.get("name")), "size": int(item.get("size") or 0),
                          "file_type": _text(item.get("file_type"))})
    return found


def _quote(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, dict) or not raw.get("id"):
        return None
    author = raw.get("author") or {}
    return {"id": _text(raw["id"]), "type": int(raw.get("type") or TEXT_TYPE), "content": _text(raw.get("content")),
            "author": _text(author.get("nickname") or author.get("username"))}


def _names(mention_part: Any, role_part: Any) -> tuple[dict[str, str], dict[str, str]]:
    users = {_text(p.get("id")): _text(p.get("username") or p.get("full_name"))
             for p in mention_part or [] if isinstance(p, dict) and p.get("id")}
    roles = {_text(p.get("role_id")): _text(p.get("name"))
             for p in role_part or [] if isinstance(p, dict) and p.get("role_id") is not None}
    return users, roles


def from_event(d: dict[str, Any], *, account_id: int) -> dict[str, Any]:
    """A webhook/gateway event's `d` (channel message) in the common shape."""
    extra = d.get("extra") if isinstance(d.get("extra"), dict) else {}
    markdown = extra.get("kmarkdown") if isinstance(extra.get("kmarkdown"), dict) else {}
    users, roles = _names(markdown.get("mention_part"), markdown.get("mention_role_part"))
    content = d.get("content")
    return {
        "msg_id": _text(d.get("msg_id")),
        "channel_id": _text(d.get("target_id")),
        "guild_id": _text(extra.get("guild_id")),
        "channel_name": _text(extra.get("channel_name")),
        "type": int(d.get("type") or TEXT_TYPE),
        "content": content if isinstance(content, str) else json.dumps(content, ensure_ascii=False),
        "author": _author(extra.get("author"), d.get("author_id")),
        "timestamp": int(d.get("msg_timestamp") or 0),
        "mention_all": bool(extra.get("mention_all")),
        "mention_here": bool(extra.get("mention_here")),
        "mentions": users,
        "roles": roles,
        "attachments": _attachments(extra.get("attachments")),
        "quote": _quote(extra.get("quote")),
        "account_id": account_id,
        "source": "webhook",
    }


def from_list_item(item: dict[str, Any], *, channel_id: str, guild_id: str, channel_name: str,
                   account_id: int) -> dict[str, Any]:
    """An item of `/api/v3/message/list` in the common shape."""
    info = item.get("mention_info") if isinstance(item.get("mention_info"), dict) else {}
    users, roles = _names(info.get("mention_part"), info.get("mention_role_part"))
    content = item.get("content")
    return {
        "msg_id": _text(item.get("id")),
        "channel_id": channel_id,
        "guild_id": guild_id,
        "channel_name": channel_name,
        "type": int(item.get("type") or TEXT_TYPE),
        "content": content if isinstance(content, str) else json.dumps(content, ensure_ascii=False),
        "author": _author(item.get("author")),
        "timestamp": int(item.get("create_at") or 0),
        "mention_all": bool(item.get("mention_all")),
        "mention_here": bool(item.get("mention_here")),
        "mentions": users,
        "roles": roles,
        "attachments": _attachments(item.get("attachments")),
        "quote": _quote(item.get("quote")),
        "account_id": account_id,
        "source": "poll",
    }


# ------------------------------------------------------------------------------------------------ reading

def sender_name(message: dict[str, Any]) -> str:
    author = message.get("author") or {}
    return author.get("nickname") or author.get("username") or author.get("id") or "KOOK"


def kind(message: dict[str, Any]) -> str:
    """text | link | image | video | file | audio | card (what filters and logs call the message)."""
    found = KIND_OF_TYPE.get(message["type"], "text")
    if found == "text" and _URL.search(message.get("content") or ""):
        return "link"
    return found


def _names_of(message: dict[str, Any]) -> Names:
    return Names(users=dict(message.get("mentions") or {}), roles=dict(message.get("roles") or {}),
                 channels={message.get("channel_id", ""): message.get("channel_name", "")})


def document(message: dict[str, Any]) -> Document:
    """What the message says, parsed once: the quoted message first (as a quote block), then the body."""
    names = _names_of(message)
    doc = Document()
    quote = message.get("quote")
    if quote:
        quoted = _body(quote["type"], quote["content"], names, media_placeholder=True)
        preview = quoted.plain()
        if len(preview) > QUOTE_PREVIEW_CHARS:
            preview = preview[:QUOTE_PREVIEW_CHARS] + "…"
        runs = [Run(f"{quote['author'] or '?'}: ", frozenset({BOLD})), Run(preview)]
        doc.add_block(QUOTE, runs)
    doc.extend(_body(message["type"], message.get("content") or "", names))
    return doc


def _body(message_type: int, content: str, names: Names, *, media_placeholder: bool = False) -> Document:
    if message_type == KMARKDOWN:
        return kmarkdown.parse(content, names=names)
    if message_type == TEXT_TYPE:
        return kmarkdown.parse(content, names=names, plain=True)
    if message_type == CARD:
        return card_document(content, names)
    doc = Document()
    if media_placeholder and message_type in MEDIA_KIND_OF_TYPE:
        doc.add_block(TEXT, [Run(MEDIA_LABELS[MEDIA_KIND_OF_TYPE[message_type]])])
    return doc


def media(message: dict[str, Any]) -> list[dict[str, Any]]:
    """Files to re-upload, in order, without duplicates: attachments, the media URL of media types, card images."""
    found: list[dict[str, Any]] = []
    seen: set[str] = set()

    def add(url: str, kind_name: str, name: str = "", size: int = 0, file_type: str = "") -> None:
        if url and url not in seen and url.startswith(("https://", "http://")):
            seen.add(url)
            found.append({"url": url, "kind": kind_name, "name": name or url.rsplit("/", 1)[-1][:100],
                          "size": size, "file_type": file_type})

    message_type = message["type"]
    for attachment in message.get("attachments") or []:
        add(attachment["url"], _media_kind(attachment["type"], message_type), attachment["name"],
            attachment["size"], attachment["file_type"])
    if message_type in MEDIA_KIND_OF_TYPE and not found:
        add((message.get("content") or "").strip(), MEDIA_KIND_OF_TYPE[message_type])
    if message_type == CARD:
        for url, kind_name, name in card_media(message.get("content") or ""):
            add(url, kind_name, name)
    return found


def _media_kind(attachment_type: str, message_type: int) -> str:
    if attachment_type in ("image", "video", "audio", "file"):
        return attachment_type
    return MEDIA_KIND_OF_TYPE.get(message_type, "file")


# ------------------------------------------------------------------------------------------------ cards

def _cards(content: str) -> list[dict[str, Any]]:
    try:
        parsed = json.loads(content)
    except ValueError:
        return []
    cards = parsed if isinstance(parsed, list) else [parsed]
    return [card for card in cards if isinstance(card, dict)]


def _element_text(element: Any, names: Names) -> Document:
    """A card text element (plain-text / kmarkdown / paragraph) as a document."""
    if not isinstance(element, dict):
        return Document()
    if element.get("type") == "paragraph":
        doc = Document()
        for field in element.get("fields") or []:
            doc.extend(_element_text(field, names))
        return doc
    content = _text(element.get("content"))
    if element.get("type") == "kmarkdown":
        return kmarkdown.parse(content, names=names)
    return kmarkdown.parse(content, names=names, plain=True)


def card_document(content: str, names: Names) -> Document:
    """Card messages (type 10) fall back to text: headers bold, sections and context as text, buttons that link
    as links, files and images by name (images are also uploaded, see `card_media`), dividers kept."""
    doc = Document()
    for card in _cards(content):
        for module in card.get("modules") or []:
            render = _CARD_MODULES.get(module.get("type")) if isinstance(module, dict) else None
            if render is not None:
                doc.extend(render(module, names))
    return doc


def _card_header(module: dict[str, Any], names: Names) -> Document:
    header = _element_text(module.get("text"), names)
    doc = Document()
    doc.add_block(TEXT, [Run(run.text, run.styles | {BOLD}, run.link, run.mention) for run in header.runs])
    return doc


def _card_section(module: dict[str, Any], names: Names) -> Document:
    doc = _element_text(module.get("text"), names)
    accessory = module.get("accessory") or {}
    if accessory.get("type") == "button":
        doc.extend(_button(accessory, names))
    return doc


def _card_context(module: dict[str, Any], names: Names) -> Document:
    context = Document()
    for element in module.get("elements") or []:
        context.extend(_element_text(element, names))
    doc = Document()
    doc.add_block(TEXT, [Run(" ".join(line for line in context.plain().split("\n") if line))])
    return doc


def _card_actions(module: dict[str, Any], names: Names) -> Document:
    doc = Document()
    for element in module.get("elements") or []:
        doc.extend(_button(element, names))
    return doc


def _card_file(module: dict[str, Any], _names: Names) -> Document:
    title = _text(module.get("title")) or _text(module.get("src")).rsplit("/", 1)[-1]
    doc = Document()
    doc.add_block(TEXT, [Run(f"{MEDIA_LABELS[module['type']]} {title}")])
    return doc


def _card_fixed(text: str) -> Any:
    def render(_module: dict[str, Any], _names: Names) -> Document:
        return kmarkdown.parse(text)

    return render


_CARD_MODULES = {"header": _card_header, "section": _card_section, "context": _card_context,
                 "action-group": _card_actions, "file": _card_file, "audio": _card_file, "video": _card_file,
                 "divider": _card_fixed("---"), "countdown": _card_fixed("[倒计时]")}


def _button(element: dict[str, Any], names: Names) -> Document:
    if not isinstance(element, dict) or element.get("type") != "button":
        return Document()
    label = _element_text(element.get("text"), names).plain() or "按钮"
    doc = Document()
    value = _text(element.get("value"))
    if element.get("click") == "link" and value.startswith(("https://", "http://")):
        doc.add_block(TEXT, [Run(f"[{label}]", link=value)])
    else:
        doc.add_block(TEXT, [Run(f"[{label}]")])
    return doc


def card_media(content: str) -> list[tuple[str, str, str]]:
    """(url, kind, name) of the images and files a card shows."""
    found = []
    for card in _cards(content):
        for module in card.get("modules") or []:
            if not isinstance(module, dict):
                continue
            module_type = module.get("type")
            if module_type in ("container", "image-group"):
                for element in module.get("elements") or []:
                    if isinstance(element, dict) and element.get("type") == "image" and element.get("src"):
                        found.append((_text(element["src"]), "image", _text(element.get("alt"))))
            elif module_type == "section":
                accessory = module.get("accessory") or {}
                if accessory.get("type") == "image" and accessory.get("src"):
                    found.append((_text(accessory["src"]), "image", ""))
            elif module_type in ("file", "audio", "video") and module.get("src"):
                kind_name = "file" if module_type == "file" else module_type
                found.append((_text(module["src"]), kind_name, _text(module.get("title"))))
    return found
