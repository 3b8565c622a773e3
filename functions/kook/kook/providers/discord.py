"""Discord webhooks: `POST {webhook}?wait=true` with `content` (≤ 2000 characters) and no mentions parsed.

A webhook URL is a credential (its last segment is the token) and user-supplied, so it is validated twice: when a
bot is saved and before every send, against a policy that allows only Discord's hosts (or the configured
DISCORD_BASE_URL, for fakes) and only webhook paths.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from kook import config
from kook.providers import http, multipart
from kook.providers.http import SendResult
from suite.outbound import ProviderError, UnsafeUrlError, UrlPolicy, check_status, guarded, json_body, validate_url

DISCORD_HOSTS = frozenset({"discord.com", "discordapp.com", "ptb.discord.com", "canary.discord.com"})
WEBHOOK_PATH = re.compile(r"^/api/(?:v\d{1,2}/)?webhooks/(\d{5,25})/([A-Za-z0-9_.-]{20,200})$")
MAX_CONTENT = 2000


class InvalidWebhook(ValueError):
    """Not a Discord webhook URL (the message says why, without repeating the URL)."""


def webhook_policy() -> UrlPolicy:
    base = config.get().base_url("discord")
    if base == config.DEFAULT_BASE_URLS["discord"]:
        return UrlPolicy(allowed_hosts=DISCORD_HOSTS, path_prefixes=("/api/",))
    return UrlPolicy.for_base_url(base, path_prefixes=("/api/",))


def validate_webhook_url(url: str) -> str:
    """The normalised webhook URL, or InvalidWebhook."""
    try:
        safe = validate_url(url.strip(), webhook_policy())
    except UnsafeUrlError as exc:
        raise InvalidWebhook(f"not an allowed Discord URL ({exc})") from None
    if safe.query or not WEBHOOK_PATH.match(safe.path):
        raise InvalidWebhook("not a Discord webhook path (/api/webhooks/<id>/<token>)")
    return safe.url


def webhook_id(url: str) -> str:
    match = WEBHOOK_PATH.match(validate_url(url, webhook_policy()).path)
    return match.group(1) if match else ""


def send_text(webhook_url: str, content: str, *, username: str | None = None,
              avatar_url: str | None = None) -> SendResult:
    url = validate_webhook_url(webhook_url)
    payload: dict[str, Any] = {"content": content[:MAX_CONTENT], "allowed_mentions": {"parse": []}}
    if username:
        payload["username"] = username[:80]
    if avatar_url:
        payload["avatar_url"] = avatar_url
    client = http.client(webhook_policy())
    response = guarded("discord", lambda: client.post(url, params={"wait": "true"}, json=payload,
                                                           deadline=http.deadline()))
    if response.status in (401, 403, 404):
        raise ProviderError("rejected", "discord: the webhook was deleted or its token is wrong",
                            status=response.status)
    check_status("discord", response)
    body = json_body("discord", response) if response.content else {}
    return SendResult(latency_ms=int(response.elapsed_ms), message_id=str(body.get("id")) if body else None)


def webhook_info(webhook_url: str) -> tuple[dict[str, Any], int]:
    """`GET {webhook}`: the webhook's name and channel (no message is sent). Returns (info, latency_ms)."""
    url = validate_webhook_url(webhook_url)
    client = http.client(webhook_policy())
    response = guarded("discord", lambda: client.get(url, deadline=http.deadline()))
    if response.status in (401, 403, 404):
        raise ProviderError("rejected", "discord: the webhook was deleted or its token is wrong",
                            status=response.status)
    check_status("discord", response)
    body = json_body("discord", response)
    info = {"name": body.get("name"), "channel_id": body.get("channel_id"), "guild_id": body.get("guild_id")}
    return info, int(response.elapsed_ms)


# ------------------------------------------------------------------------------------------------ forwarding

MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # per message, a server without boosts
MAX_FILES = 10


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes
    content_type: str


def display_name(name: str) -> str:
    """A webhook username Discord accepts: 1–80 characters, without "discord"/"clyde" (refused with 400)."""
    cleaned = re.sub(r"(?i)discord|clyde", "", name or "").strip()
    return (cleaned or "KOOK")[:80]


def execute(webhook_url: str, *, content: str, username: str | None = None, avatar_url: str | None = None,
            allow_everyone: bool = False, files: list[Upload] | None = None) -> SendResult:
    """`POST {webhook}?wait=true`: text, files (multipart `files[n]` + `payload_json`), the KOOK sender's name and
    avatar. `allowed_mentions` parses nothing unless the target allows @everyone/@here. The answer's
    `X-RateLimit-Remaining: 0` + `X-RateLimit-Reset-After` comes back as `wait_seconds`; a 429 raises
    ProviderError("rate_limited") with the body's `retry_after`."""
    url = validate_webhook_url(webhook_url)
    payload: dict[str, Any] = {"content": content[:MAX_CONTENT],
                               "allowed_mentions": {"parse": ["everyone"] if allow_everyone else []}}
    if username:
        payload["username"] = display_name(username)
    if avatar_url:
        payload["avatar_url"] = avatar_url
    client = http.worker_client(webhook_policy())
    sending: dict[str, Any] = {"json": payload}
    if files:
        payload["attachments"] = [{"id": index, "filename": upload.filename} for index, upload in enumerate(files)]
        parts: list[multipart.Field | multipart.File] = [
            multipart.Field("payload_json", json.dumps(payload, ensure_ascii=False), "application/json")]
        parts += [multipart.File(f"files[{index}]", upload.filename, upload.data, upload.content_type)
                  for index, upload in enumerate(files)]
        body, content_type = multipart.encode(parts)
        sending = {"data": body, "headers": {"Content-Type": content_type}}
    response = guarded("discord", lambda: client.post(url, params={"wait": "true"}, deadline=http.deadline(),
                                                           **sending))
    if response.status in (401, 403, 404):
        raise ProviderError("rejected", f"discord: the webhook was deleted or its token is wrong "
                            f"(HTTP {response.status})", status=response.status)
    check_status("discord", response)
    body_json = json_body("discord", response) if response.content else {}
    wait = 0.0
    if response.headers.get("X-RateLimit-Remaining") == "0":
        try:
            wait = max(0.0, float(response.headers.get("X-RateLimit-Reset-After", "0")))
        except ValueError:
            wait = 0.0
    message_id = str(body_json.get("id")) if isinstance(body_json, dict) and body_json.get("id") else None
    return SendResult(latency_ms=int(response.elapsed_ms), message_id=message_id, wait_seconds=wait)
