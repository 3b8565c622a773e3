"""Smart mapping: read an account's KOOK channels, propose targets by name (smart_match), save accepted ones.

Targets are the target channels the caller lists (`target_channels: [{id, name, bot_id}]`), or else the bots
themselves (a Discord webhook, a Telegram chat or a Feishu group is one channel, named by the bot's name).
"""

from __future__ import annotations

from typing import Any

from kook.errors import fail
from kook.logic import accounts as account_service
from kook.logic import mappings as mapping_service
from kook.logic import smart_match
from kook.store import bots

MAX_SERVERS = 20  # each server costs one KOOK call when its channels are not cached


def _kook_channels(account_id: int, server_ids: list[str] | None) -> tuple[list[dict[str, Any]], list[dict]]:
    servers = account_service.servers(account_id)
    chosen = [s for s in servers if not server_ids or s["id"] in set(server_ids)][:MAX_SERVERS]
    channels = []
    for server in chosen:
        for channel in account_service.channels(account_id, server["id"]):
            if channel.get("type", "text") == "text":
                channels.append({**channel, "server_name": server["name"]})
    return chosen, channels


def _targets(platform: str | None, bot_ids: list[int] | None,
             target_channels: list[Any] | None) -> list[dict[str, Any]]:
    candidates = [b for b in bots.list_all() if (not platform or b["platform"] == platform)
                  and (not bot_ids or b["id"] in set(bot_ids))]
    if not candidates:
        raise fail(400, "BOT_NOT_FOUND", "没有可用的目标Bot", solution="请先在Bot配置中添加目标平台的Bot")
    by_id = {b["id"]: b for b in candidates}
    if target_channels:
        targets = []
        for channel in target_channels:
            bot = by_id.get(channel.bot_id) if channel.bot_id else candidates[0]
            if bot is None:
                raise fail(400, "BOT_NOT_FOUND", f"Bot {channel.bot_id} 不存在或不属于该平台")
            targets.append({"id": channel.id, "name": channel.name, "bot": bot})
        return targets
    return [{"id": (b.get("config_public") or {}).get("chat_id", ""), "name": b["name"], "bot": b}
            for b in candidates]


def auto_match(*, account_id: int, platform: str | None = None, bot_ids: list[int] | None = None,
               server_ids: list[str] | None = None, target_channels: list[Any] | None = None,
               min_confidence: float = 0.5) -> dict[str, Any]:
    targets = _targets(platform, bot_ids, target_channels)
    _servers, channels = _kook_channels(account_id, server_ids)
    matches = smart_match.best_matches(channels, targets, min_confidence=min_confidence)
    proposals = [{
        "kook_server_id": channel["server_id"], "kook_server": channel["server_name"],
        "kook_channel_id": channel["id"], "kook_channel": channel["name"],
        "target": target["id"], "target_name": target["name"], "target_platform": target["bot"]["platform"],
        "bot_id": target["bot"]["id"], "bot_name": target["bot"]["name"],
        "confidence": match.confidence, "match_reason": match.reason,
    } for channel, target, match in matches]
    distinct_targets = {(t["bot"]["id"], t["id"]) for t in targets}
    return {"mappings": proposals, "stats": {
        "total_kook_channels": len(channels), "total_target_channels": len(distinct_targets),
        "matched_count": len(proposals),
        "match_rate": round(len(proposals) * 100 / len(channels), 1) if channels else 0.0}}


def suggest(*, account_id: int, kook_servers: list[str] | None, target_bots: list[int] | None,
            target_channels: list[Any] | None, min_confidence: float) -> list[dict[str, Any]]:
    """The original's /suggest shape: mapping rows with `confidence` (0–1) and `reason`."""
    result = auto_match(account_id=account_id, bot_ids=target_bots, server_ids=kook_servers,
                        target_channels=target_channels, min_confidence=min_confidence)
    return [as_mapping_row(p) | {"confidence": p["confidence"], "reason": p["match_reason"]}
            for p in result["mappings"]]


def preview(account_id: int) -> dict[str, Any]:
    servers, channels = _kook_channels(account_id, None)
    result = auto_match(account_id=account_id) if bots.list_all() else {"mappings": [], "stats": {}}
    return {"account_id": account_id,
            "servers": [{**s, "channel_count": sum(1 for c in channels if c["server_id"] == s["id"])}
                        for s in servers],
            "total_channels": len(channels), "suggestions": result["mappings"], "stats": result["stats"]}


def as_mapping_row(row: dict[str, Any]) -> dict[str, Any]:
    """Accept both a mapping row and an auto-match proposal (kook_channel/bot_id/target)."""
    return {
        "kook_server_id": row.get("kook_server_id", ""),
        "kook_channel_id": row.get("kook_channel_id"),
        "kook_channel_name": row.get("kook_channel_name") or row.get("kook_channel") or "",
        "target_platform": row.get("target_platform"),
        "target_bot_id": row.get("target_bot_id", row.get("bot_id")),
        "target_channel_id": row.get("target_channel_id", row.get("target", "")) or "",
    }


def apply(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Save accepted suggestions; invalid or duplicate rows are reported, the rest is saved."""
    if not rows:
        raise fail(400, "MISSING_PARAM", "mappings 不能为空")
    return mapping_service.import_rows([as_mapping_row(r) if isinstance(r, dict) else r for r in rows],
                                       replace_existing=False)
