"""How one job becomes provider calls on each platform: an ordered list of units, each one message on the target.

A job that needs several messages (text longer than the platform's limit, files that travel on their own)
records how many units were sent, so a retry continues after them instead of posting them again.

| platform | units |
|---|---|
| Discord  | text parts; the last one carries the files (multipart, ≤ 10 files, ≤ 10 MB together) |
| Telegram | text parts (HTML), then each file: `sendPhoto` for images ≤ 10 MB, else `sendDocument` ≤ 50 MB |
| Feishu   | posts; the last one shows the images inline (uploaded → `image_key`), then each other file (`file_key`) |

A file KOOK no longer serves, or one over the target's limit, is replaced by a line of text with KOOK's link.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kook.logic import media
from kook.logic.formatting import render
from kook.providers import discord, feishu, telegram
from kook.providers.http import SendResult
from suite.outbound import ProviderError


@dataclass(frozen=True)
class Unit:
    name: str
    send: Callable[[], SendResult]


def units(job: dict[str, Any], config: dict[str, Any]) -> list[Unit]:
    """The units of a job for its platform; `config` is the bot's opened config (secrets included)."""
    return {"discord": _discord, "telegram": _telegram, "feishu": _feishu}[job["platform"]](job, config)


def _chat_id(job: dict[str, Any], config: dict[str, Any]) -> str:
    chat = job.get("target_channel") or config.get("chat_id") or ""
    if not chat:
        raise ProviderError("rejected", f"{job['platform']}: the bot has no chat_id and the mapping no target "
                            "channel", status=400)
    return str(chat)


# ------------------------------------------------------------------------------------------------ Discord

def _discord(job: dict[str, Any], config: dict[str, Any]) -> list[Unit]:
    webhook = config["webhook_url"]
    common = {"username": job.get("username"), "avatar_url": job.get("avatar_url"),
              "allow_everyone": bool(job.get("allow_everyone"))}
    texts: list[str] = list(job.get("parts") or [])
    found = [Unit(f"text {index + 1}", lambda text=text: discord.execute(webhook, content=text, **common))
             for index, text in enumerate(texts[:-1])]

    def final() -> SendResult:
        uploads: list[discord.Upload] = []
        notes: list[str] = []
        total = 0
        for item in job.get("media") or []:
            fetched = media.fetch(item)
            if fetched.stored is None:
                notes.append(render.discord_text(media.note(fetched)))
            elif len(uploads) >= discord.MAX_FILES or total + fetched.size > discord.MAX_UPLOAD_BYTES:
                notes.append(render.discord_text(media.note(fetched, "超过Discord上传大小限制")))
            else:
                uploads.append(discord.Upload(fetched.filename, fetched.stored.data, fetched.stored.content_type))
                total += fetched.size
        content = "\n".join(part for part in [texts[-1] if texts else "", *notes] if part)
        if not content and not uploads:
            content = render.discord_text(job.get("content") or "[消息]")
        return discord.execute(webhook, content=content[:discord.MAX_CONTENT], files=uploads, **common)

    found.append(Unit("final message", final))
    return found


# ------------------------------------------------------------------------------------------------ Telegram

def _telegram(job: dict[str, Any], config: dict[str, Any]) -> list[Unit]:
    token, chat = config["bot_token"], _chat_id(job, config)
    found = [Unit(f"text {index + 1}", lambda text=text: telegram.send_html(token, chat, text))
             for index, text in enumerate(job.get("parts") or [])]
    for index, item in enumerate(job.get("media") or []):
        caption = job.get("caption") if index == 0 else None
        found.append(Unit(f"file {index + 1}", lambda item=item, caption=caption: _telegram_file(
            token, chat, item, caption)))
    return found


def _telegram_file(token: str, chat: str, item: dict[str, Any], caption: str | None) -> SendResult:
    fetched = media.fetch(item)
    prefix = f"{caption}\n" if caption else ""
    if fetched.stored is None:
        return telegram.send_html(token, chat, prefix + render.telegram_text(media.note(fetched)))
    is_image = item.get("kind") == "image" and fetched.stored.content_type.startswith("image/")
    photo = is_image and fetched.size <= telegram.MAX_PHOTO_BYTES
    if not photo and fetched.size > telegram.MAX_DOCUMENT_BYTES:
        return telegram.send_html(token, chat, prefix + render.telegram_text(
            media.note(fetched, "超过Telegram上传大小限制")))
    return telegram.send_file(token, chat, photo=photo, filename=fetched.filename, data=fetched.stored.data,
                              content_type=fetched.stored.content_type, caption_html=caption)


# ------------------------------------------------------------------------------------------------ Feishu

def _uuid(job: dict[str, Any], index: int) -> str:
    """Feishu's idempotency key of one unit: a repeat within an hour is not posted twice."""
    return hashlib.sha256(f"{job['msg_id']}:{job['mapping_id']}:{index}".encode()).hexdigest()[:32]


def _feishu(job: dict[str, Any], config: dict[str, Any]) -> list[Unit]:
    app_id, secret, chat = config["app_id"], config["app_secret"], _chat_id(job, config)
    posts: list[dict[str, Any]] = list(job.get("parts") or []) or [{"zh_cn": {"title": job.get("sender", ""),
                                                                             "content": [[]]}}]
    items = job.get("media") or []
    images = [item for item in items if item.get("kind") == "image"]
    files = [item for item in items if item.get("kind") != "image"]

    def post(content: dict[str, Any], index: int) -> SendResult:
        return feishu.send_message(app_id, secret, chat, msg_type="post", content=content,
                                   idempotency_key=_uuid(job, index))

    found = [Unit(f"post {index + 1}", lambda content=content, index=index: post(content, index))
             for index, content in enumerate(posts[:-1])]

    def final() -> SendResult:
        content = {"zh_cn": dict(posts[-1]["zh_cn"])}
        lines = [line for line in content["zh_cn"].get("content") or [] if line]
        for item in images:
            fetched = media.fetch(item)
            if fetched.stored is None or fetched.size > feishu.MAX_IMAGE_BYTES:
                lines.append([{"tag": "text", "text": media.note(fetched, None if fetched.stored is None
                                                                 else "超过飞书图片大小限制")}])
                continue
            image_key, _latency = feishu.upload_image(app_id, secret, filename=fetched.filename,
                                                      data=fetched.stored.data,
                                                      content_type=fetched.stored.content_type)
            lines.append([{"tag": "img", "image_key": image_key}])
        content["zh_cn"]["content"] = lines or [[{"tag": "text", "text": job.get("content") or "[消息]"}]]
        return post(content, len(posts) - 1)

    found.append(Unit("final post", final))
    for offset, item in enumerate(files):
        index = len(posts) + offset
        found.append(Unit(f"file {offset + 1}", lambda item=item, index=index: _feishu_file(
            app_id, secret, chat, item, _uuid(job, index))))
    return found


def _feishu_file(app_id: str, secret: str, chat: str, item: dict[str, Any], key: str) -> SendResult:
    fetched = media.fetch(item)
    if fetched.stored is None or fetched.size > feishu.MAX_FILE_BYTES:
        note = media.note(fetched, None if fetched.stored is None else "超过飞书文件大小限制")
        return feishu.send_message(app_id, secret, chat, msg_type="post", idempotency_key=key,
                                   content={"zh_cn": {"title": "", "content": [[{"tag": "text", "text": note}]]}})
    file_key, _latency = feishu.upload_file(app_id, secret, filename=fetched.filename, data=fetched.stored.data,
                                            content_type=fetched.stored.content_type)
    return feishu.send_message(app_id, secret, chat, msg_type="file", content={"file_key": file_key},
                               idempotency_key=key)
