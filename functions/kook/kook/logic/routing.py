"""The router step: one KOOK message from the ingest queue → one job per (message, target) on the target
platform's FIFO queue.

For each message: drop it if the service is stopped, if one of our own KOOK bots wrote it (loop prevention: a
bridge that posts into KOOK through our bot must not be forwarded back), or if the filter rules say so; then the
channel's enabled mappings (one Query on ByKookChannel) each get a job. The KMarkdown is parsed once and rendered
once per platform (Discord markdown, Telegram HTML, Feishu post, each split to its limit); the job carries the
rendered parts, the media to upload and what the log row needs.

Ordering and duplicates: jobs go to the platform's FIFO queue with message group = the target (bot + target
channel), so a target receives messages in KOOK order, and deduplication id = (KOOK message id, mapping id), so
a message routed twice within five minutes becomes one job. Later duplicates stop at the sender, which skips
(message, target) pairs already delivered.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from kook import config
from kook.logic import accounts as account_service
from kook.logic import filters, messages, system
from kook.logic.formatting import render
from kook.logic.formatting.document import BOLD, TEXT, Document, Run
from kook.providers import kook_api
from kook.store import accounts, bots, mappings, queues, settings
from suite import observability
from suite.outbound import UnsafeUrlError, UrlPolicy, validate_url

IDENTITY_RETRY_SECONDS = 3600  # how often to retry finding out a bot account's own KOOK user id
CONTENT_PREVIEW_CHARS = 500
log = observability.logger()


@dataclass
class Batch:
    """What routing a batch of messages needs, read once per batch."""

    running: bool
    rules: dict[str, Any]
    own_authors: set[str]
    seen_accounts: set[int] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)

    @classmethod
    def load(cls) -> Batch:
        state = settings.system_state()
        return cls(running=bool(state.get("service_running")), rules=system.filter_rules(),
                   own_authors=own_kook_users() if state.get("service_running") else set())

    def route(self, message: dict[str, Any]) -> str:
        """Route one message; the answer says what happened (for logs and tests)."""
        self.seen_accounts.add(int(message.get("account_id") or 0))
        self.sources.add(message.get("source") or "webhook")
        if not self.running:
            return "stopped"
        return route(message, rules=self.rules, own_authors=self.own_authors)

    def finish(self) -> None:
        """The ingestion heartbeat (GET /api/health/check) and each account's `last_active`, once per batch."""
        if not self.running or not self.seen_accounts:
            return
        settings.touch_ingest_heartbeat(",".join(sorted(self.sources)))
        for account_id in self.seen_accounts - {0}:
            accounts.mark_active(account_id)


def own_kook_users() -> set[str]:
    """KOOK user ids of our own bot accounts. A bot account's id is asked from KOOK (`/user/me`) once and kept on
    the account; a failure is retried at most hourly and never blocks routing."""
    found = set()
    now = int(time.time())
    for account in accounts.list_all():
        if account.get("kook_user_id"):
            found.add(str(account["kook_user_id"]))
            continue
        recently_asked = now - int(account.get("kook_user_checked_at") or 0) < IDENTITY_RETRY_SECONDS
        if "bot_token_sealed" not in account or recently_asked:
            continue
        try:
            user = kook_api.me(account_service.credentials(account))
        except Exception:  # identity is best effort: a KOOK or credential problem must not stop routing
            accounts.update(account["id"], {"kook_user_checked_at": now})
            log.warning("could not read the bot account's KOOK identity", extra={"account_id": account["id"]})
            continue
        if user["id"]:
            accounts.update(account["id"], {"kook_user_id": user["id"], "kook_user_checked_at": now})
            found.add(user["id"])
    return found


def route(message: dict[str, Any], *, rules: dict[str, Any], own_authors: set[str]) -> str:
    author = message.get("author") or {}
    if author.get("id") in own_authors:
        return "own message"
    doc = messages.document(message)
    kind = messages.kind(message)
    blocked = filters.reason(rules, kind=kind, text=doc.plain(), author=author,
                             mention_all=bool(message.get("mention_all")))
    if blocked:
        log.info("message filtered", extra={"msg_id": message["msg_id"], "reason": blocked})
        return "filtered"
    targets = mappings.for_channel(message["channel_id"], enabled_only=True)
    if not targets:
        return "unmapped"
    known_bots = bots.get_many(sorted({int(m["target_bot_id"]) for m in targets}))
    jobs: dict[str, list[queues.FifoMessage]] = {}
    renders: dict[tuple[str, bool], dict[str, Any]] = {}
    media = messages.media(message)
    for mapping in targets:
        bot = known_bots.get(int(mapping["target_bot_id"]))
        if bot is None:
            continue
        allow_everyone = bool((bot.get("config_public") or {}).get("mention_everyone"))
        key = (bot["platform"], allow_everyone)
        if key not in renders:
            renders[key] = render_for(bot["platform"], doc, message, media=media, allow_everyone=allow_everyone)
        job = _job(message, mapping, bot, renders[key], media=media, kind=kind, preview=_preview(doc, media))
        jobs.setdefault(bot["platform"], []).append(queues.FifoMessage(
            body=job, group_id=target_group(mapping),
            deduplication_id=f"{message['msg_id']}:{mapping['id']}"))
    for platform, platform_jobs in jobs.items():
        queues.send_fifo(config.get().forward_queue_url(platform), platform_jobs)
    return f"routed to {sum(len(j) for j in jobs.values())} target(s)"


def target_group(mapping: dict[str, Any]) -> str:
    """The FIFO message group of a target: one per bot and target channel, whatever KOOK channel feeds it."""
    return f"bot-{mapping['target_bot_id']}:{mapping.get('target_channel_id') or '-'}"


def _preview(doc: Document, media: list[dict[str, Any]]) -> str:
    text = doc.plain()
    if not text and media:
        text = " ".join(messages.MEDIA_LABELS.get(item["kind"], "[文件]") for item in media)
    return text[:CONTENT_PREVIEW_CHARS]


def with_sender(doc: Document, sender: str) -> Document:
    """The document behind a bold `sender:` line (targets that cannot show the KOOK author otherwise)."""
    named = Document()
    named.add_block(TEXT, [Run(sender, frozenset({BOLD})), Run(":")])
    named.extend(doc)
    return named


def render_for(platform: str, doc: Document, message: dict[str, Any], *, media: list[dict[str, Any]],
               allow_everyone: bool) -> dict[str, Any]:
    """The platform's rendered parts (and how to show the sender)."""
    sender = messages.sender_name(message)
    if platform == "discord":
        # The webhook's username and avatar show the KOOK sender; the text needs no name prefix.
        return {"parts": [] if doc.is_empty() else render.discord_parts(doc), "username": sender,
                "avatar_url": public_https(message.get("author", {}).get("avatar"))}
    if platform == "telegram":
        if doc.is_empty() and media:  # a media-only message: the sender goes in the first file's caption
            return {"parts": [], "caption": render.telegram(with_sender(Document(), sender))}
        return {"parts": render.telegram_parts(with_sender(doc, sender))}
    channel = message.get("channel_name") or message.get("channel_id")
    return {"parts": render.feishu_parts(doc, title=f"{sender} · #{channel}", allow_everyone=allow_everyone)}


def public_https(url: Any) -> str | None:
    """A URL the target may fetch itself (the KOOK avatar): https on a public host, else nothing."""
    if not isinstance(url, str) or not url:
        return None
    try:
        return validate_url(url, UrlPolicy()).url
    except UnsafeUrlError:
        return None


def _job(message: dict[str, Any], mapping: dict[str, Any], bot: dict[str, Any], rendered: dict[str, Any], *,
         media: list[dict[str, Any]], kind: str, preview: str) -> dict[str, Any]:
    return {
        "v": 1,
        "msg_id": message["msg_id"],
        "channel_id": message["channel_id"],
        "account_id": message.get("account_id"),
        "timestamp": message.get("timestamp"),
        "mapping_id": int(mapping["id"]),
        "bot_id": int(bot["id"]),
        "platform": bot["platform"],
        "target_channel": str(mapping.get("target_channel_id") or ""),
        "kind": kind,
        "content": preview,
        "sender": messages.sender_name(message),
        "allow_everyone": bool((bot.get("config_public") or {}).get("mention_everyone")),
        "media": media,
        **rendered,
    }
