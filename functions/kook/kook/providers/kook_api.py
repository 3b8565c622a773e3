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
from kook.providers.http import ProviderError

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


def _get_pages(path: str, credentials: Credentials, params: dict[str, Any]) -> list[dict[str, Any]]:
    base = config.base_url("kook")
    client = http.for_base_url(base)
    items: list[dict[str, Any]] = []
    page = 1
    while page <= MAX_PAGES:
        response = http.guarded("kook", lambda p=page: client.get(
            f"{base}/api/v3{path}", params={**params, "page": p, "page_size": PAGE_SIZE},
            headers=credentials.headers(), deadline=http.deadline()))
        if response.status in (401, 403):
            raise ProviderError("rejected", "kook: credentials refused", status=response.status)
        http.check_status("kook", response)
        body = http.json_body("kook", response)
        code = body.get("code") if isinstance(body, dict) else None
        if code in _AUTH_CODES:
            raise ProviderError("rejected", "kook: credentials refused", provider_code=code)
        if code != 0:
            raise ProviderError("bad_response", "kook: request failed", provider_code=code)
        data = body.get("data") or {}
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
