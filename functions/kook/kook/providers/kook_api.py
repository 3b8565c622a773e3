"""KOOK's REST API v3 (https://developer.kookapp.cn): the servers (guilds) and channels an account can see.

Credentials are the account's bot token (`Authorization: Bot <token>`, what KOOK documents) or, for accounts
added with a browser cookie, that cookie (what later versions of the original did). Envelope: `{code, message,
data}` with `code == 0` on success; lists page with `data.items` and `data.meta.page_total`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kook import config
from kook.providers import http
from suite.outbound import ProviderError, UrlPolicy, check_status, guarded, json_body, retry_after_of

PAGE_SIZE = 100
MAX_PAGES = 20  # 2,000 servers or channels: far beyond any account; stops a provider that never ends paging
_AUTH_CODES = {401, 403, 40100, 40101, 40102, 40103}
CHANNEL_TYPES = {1: "text", 2: "voice"}


@dataclass(frozen=True)
class Credentials:
    cookie_header: str | None = None
    bot_token: str | None = None

    def headers(self) -> dict[str, str]:
        if self.bot_token:
            return {"Authorization": f"Bot {self.bot_token}"}
        if self.cookie_header:
            return {"Cookie": self.cookie_header, "Referer": "https://www.kookapp.cn/app"}
        raise ProviderError("rejected", "kook: the account has no cookie or bot token")


def _data_of(response: Any, failure: str) -> dict[str, Any]:
    """The `data` of a KOOK answer; ProviderError for refused credentials (HTTP or envelope code), HTTP errors,
    a body that is not JSON and any other non-zero `code` (`failure` is the safe message for that last case)."""
    if response.status in (401, 403):
        raise ProviderError("rejected", "kook: credentials refused", status=response.status)
    check_status("kook", response)
    body = json_body("kook", response)
    code = body.get("code") if isinstance(body, dict) else None
    if code in _AUTH_CODES:
        raise ProviderError("rejected", "kook: credentials refused", provider_code=code)
    if code != 0:
        raise ProviderError("bad_response", failure, provider_code=code)
    data = body.get("data")
    return data if isinstance(data, dict) else {}


def _get_pages(path: str, credentials: Credentials, params: dict[str, Any]) -> list[dict[str, Any]]:
    base = config.get().base_url("kook")
    client = http.for_base_url(base)
    items: list[dict[str, Any]] = []
    page = 1
    while page <= MAX_PAGES:
        response = guarded("kook", lambda p=page: client.get(
            f"{base}/api/v3{path}", params={**params, "page": p, "page_size": PAGE_SIZE},
            headers=credentials.headers(), deadline=http.deadline()))
        data = _data_of(response, "kook: request failed")
        items.extend(data.get("items") or [])
        page_total = int((data.get("meta") or {}).get("page_total") or 1)
        if page >= page_total:
            break
        page += 1
    return items


def guilds(credentials: Credentials) -> list[dict[str, Any]]:
    """`GET /api/v3/guild/list` → [{id, name, icon}]."""
    return [{"id": str(g.get("id")), "name": g.get("name", ""), "icon": g.get("icon", "")}
            for g in _get_pages("/guild/list", credentials, {})]


def channels(credentials: Credentials, guild_id: str) -> list[dict[str, Any]]:
    """`GET /api/v3/channel/list?guild_id=` → [{id, name, type text|voice, server_id}] without categories."""
    found = []
    for channel in _get_pages("/channel/list", credentials, {"guild_id": guild_id}):
        if channel.get("is_category"):
            continue
        found.append({"id": str(channel.get("id")), "name": channel.get("name", ""),
                      "type": CHANNEL_TYPES.get(channel.get("type"), "text"), "server_id": str(guild_id),
                      "parent_id": str(channel.get("parent_id") or "")})
    return found


# ------------------------------------------------------------------------------------------------ polling

MESSAGE_PAGE_SIZE = 50  # KOOK's default page of /message/list


@dataclass(frozen=True)
class RateLimit:
    """KOOK's `X-Rate-Limit-*` headers: requests left in the bucket and seconds until it refills."""

    remaining: int | None = None
    reset_seconds: float | None = None

    @property
    def exhausted(self) -> bool:
        return self.remaining is not None and self.remaining <= 0


@dataclass(frozen=True)
class MessagePage:
    items: list[dict[str, Any]]
    rate: RateLimit


def _rate_limit(headers: Any) -> RateLimit:
    def number(name: str) -> float | None:
        try:
            return float(headers.get(name, ""))
        except ValueError:
            return None

    remaining = number("X-Rate-Limit-Remaining")
    return RateLimit(int(remaining) if remaining is not None else None, number("X-Rate-Limit-Reset"))


def messages(credentials: Credentials, channel_id: str, *, after: str | None = None, before: str | None = None,
             page_size: int = MESSAGE_PAGE_SIZE) -> MessagePage:
    """`GET /api/v3/message/list?target_id=&msg_id=&flag=after|before&page_size=`: the messages after `after` or
    before `before` (neither: the newest page), oldest first. A 429 raises ProviderError("rate_limited") with
    KOOK's reset time."""
    base = config.get().base_url("kook")
    params: dict[str, Any] = {"target_id": channel_id, "page_size": page_size}
    if after:
        params.update(msg_id=after, flag="after")
    elif before:
        params.update(msg_id=before, flag="before")
    client = http.worker_client(UrlPolicy.for_base_url(base))
    response = guarded("kook", lambda: client.get(f"{base}/api/v3/message/list", params=params,
                                                       headers=credentials.headers(), deadline=http.deadline()))
    rate = _rate_limit(response.headers)
    if response.status == 429:
        raise ProviderError("rate_limited", "kook: rate limited (HTTP 429)", status=429,
                            retry_after=rate.reset_seconds or retry_after_of(response))
    items = [item for item in _data_of(response, "kook: message list refused").get("items") or []
             if isinstance(item, dict)]
    items.sort(key=lambda item: (int(item.get("create_at") or 0), str(item.get("id"))))
    return MessagePage(items, rate)


def me(credentials: Credentials) -> dict[str, Any]:
    """`GET /api/v3/user/me`: the account's own KOOK user (its id tells our own messages apart)."""
    base = config.get().base_url("kook")
    client = http.for_base_url(base)
    response = guarded("kook", lambda: client.get(f"{base}/api/v3/user/me", headers=credentials.headers(),
                                                       deadline=http.deadline()))
    if response.status in (401, 403):
        raise ProviderError("rejected", "kook: credentials refused", status=response.status)
    check_status("kook", response)
    body = json_body("kook", response)
    if not isinstance(body, dict) or body.get("code") != 0:
        raise ProviderError("bad_response", "kook: user/me refused", provider_code=(body or {}).get("code"))
    data = body.get("data") or {}
    return {"id": str(data.get("id") or ""), "username": data.get("username", ""), "bot": bool(data.get("bot"))}
