"""Scheduled polling of KOOK (`/api/v3/message/list`) for started accounts without a webhook.

Every run polls each mapped KOOK channel (enabled mappings) with one polling account: the account whose server
list (cached) contains the channel's server, else the first. A channel's cursor (ConfigTable POLL_CURSOR) holds
the last queued message; a run asks for the messages after it (`flag=after`, up to ten pages), queues them in
order on the ingest queue, then moves the cursor with a conditional write on its version.

- Safe to run twice: overlapping runs read the same cursor and queue the same messages; the ingest queue drops
  the second copy (deduplication id = message id), the senders skip (message, target) pairs already delivered,
  and only one run moves the cursor.
- Safe to skip: the cursor only moves past what was queued, so the next run picks up where the last one stopped.
- KOOK's `X-Rate-Limit-Remaining: 0` or a 429 pauses that account until `X-Rate-Limit-Reset` has passed.
- A channel polled for the first time starts at its earliest enabled mapping's creation: history from before the
  mapping is not forwarded. A cursor that is only a time (the channel was empty, or KOOK no longer knows the
  cursor's message) pages back with `flag=before` until it reaches that time.
Accounts with a verify token get their events by webhook and are not polled.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from kook import clock
from kook.logic import accounts as account_service
from kook.logic import messages, webhook
from kook.providers import kook_api
from kook.store import accounts, ingest, mappings, settings
from suite import observability
from suite.errors import ApiError
from suite.outbound import ProviderError

PAGES_PER_CHANNEL = 10
MIN_REMAINING_SECONDS = 8.0  # stop starting new channels when the run is this close to its timeout
log = observability.logger()


@dataclass
class Channel:
    channel_id: str
    guild_id: str
    name: str
    since_ms: int  # forward nothing older than this (the earliest enabled mapping of the channel)


@dataclass
class Outcome:
    polled: int = 0
    queued: int = 0
    skipped: int = 0
    paused: int = 0
    errors: int = 0
    cursor_conflicts: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def polling_accounts() -> list[dict[str, Any]]:
    return [account for account in accounts.list_all()
            if account.get("ingestion_enabled") and "verify_token_sealed" not in account
            and ("bot_token_sealed" in account or "cookie_sealed" in account)]


def mapped_channels() -> list[Channel]:
    channels: dict[str, Channel] = {}
    for mapping in mappings.list_all():
        if not mapping.get("enabled"):
            continue
        since = int(clock.parse(mapping["created_at"]).timestamp() * 1000) if mapping.get("created_at") else 0
        channel = channels.get(mapping["kook_channel_id"])
        if channel is None:
            channels[mapping["kook_channel_id"]] = Channel(mapping["kook_channel_id"],
                                                           str(mapping.get("kook_server_id") or ""),
                                                           mapping.get("kook_channel_name") or "", since)
        else:
            channel.since_ms = min(channel.since_ms, since)
    return sorted(channels.values(), key=lambda c: c.channel_id)


def _assign(channels: list[Channel], polling: list[dict[str, Any]]) -> list[tuple[Channel, dict[str, Any]]]:
    if len(polling) == 1:
        return [(channel, polling[0]) for channel in channels]
    guilds: dict[int, set[str]] = {}
    for account in polling:
        try:
            guilds[account["id"]] = {g["id"] for g in account_service.servers(account["id"])}
        except ApiError:
            guilds[account["id"]] = set()
    assigned = []
    for channel in channels:
        owner = next((a for a in polling if channel.guild_id in guilds[a["id"]]), polling[0])
        assigned.append((channel, owner))
    return assigned


def run(*, remaining_seconds: float) -> dict[str, Any]:
    """One scheduled run; `remaining_seconds` is the time the function has left."""
    deadline = time.monotonic() + remaining_seconds - MIN_REMAINING_SECONDS
    if not settings.system_state().get("service_running"):
        return {"skipped": "service stopped"}
    polling = polling_accounts()
    if not polling:
        return {"skipped": "no account to poll"}
    outcome = Outcome()
    credentials: dict[int, Any] = {}
    for channel, account in _assign(mapped_channels(), polling):
        if time.monotonic() > deadline:
            outcome.skipped += 1  # the next run continues from the cursor
            continue
        if ingest.paused_until(account["id"]) > clock.epoch():
            outcome.paused += 1
            continue
        try:
            if account["id"] not in credentials:
                credentials[account["id"]] = account_service.credentials(account)
            _poll(channel, account, credentials[account["id"]], outcome)
        except ProviderError as exc:
            outcome.errors += 1
            if exc.reason == "rate_limited":
                ingest.pause(account["id"], clock.epoch() + max(1, math.ceil(exc.retry_after or 1)))
            log.warning("polling failed", extra={"channel_id": channel.channel_id, "account_id": account["id"],
                                                 "reason": exc.reason})
        except ApiError as exc:
            outcome.errors += 1
            log.warning("account cannot poll", extra={"account_id": account["id"], "error": exc.code})
    if outcome.polled:
        settings.touch_ingest_heartbeat("poll")
    return outcome.as_dict()


def _poll(channel: Channel, account: dict[str, Any], credentials: Any, outcome: Outcome) -> None:
    cursor = ingest.cursor(channel.channel_id)
    version = int(cursor["version"]) if cursor else None
    items, newest = _new_items(channel, account, credentials, cursor)
    outcome.polled += 1
    found = [messages.from_list_item(item, channel_id=channel.channel_id, guild_id=channel.guild_id,
                                      channel_name=channel.name, account_id=int(account["id"])) for item in items]
    wanted = [m for m in found if m["type"] in messages.FORWARDED_TYPES and m["author"]["id"] != messages.SYSTEM_AUTHOR]
    if wanted:
        webhook.enqueue(wanted)
        outcome.queued += len(wanted)
    if newest is None and cursor is not None:
        return  # nothing new
    msg_id, timestamp = newest if newest else (None, channel.since_ms)
    if not ingest.advance_cursor(channel.channel_id, msg_id=msg_id, timestamp=timestamp, expected_version=version):
        outcome.cursor_conflicts += 1  # another run moved it: what it queued is what we queued


def _new_items(channel: Channel, account: dict[str, Any], credentials: Any,
               cursor: dict[str, Any] | None) -> tuple[list[dict[str, Any]], tuple[str, int] | None]:
    """(messages after the cursor, oldest first; (id, time) of the newest message seen, or None)."""
    if cursor and cursor.get("msg_id"):
        try:
            return _pages_after(channel, account, credentials, str(cursor["msg_id"]))
        except ProviderError as exc:
            if exc.reason != "bad_response":
                raise
            # KOOK refused the reference message (deleted?): fall back to the newest page and the cursor's time.
    since = int(cursor["timestamp"]) if cursor else channel.since_ms
    items = _pages_back_to(since, channel, account, credentials)
    return [item for item in items if int(item.get("create_at") or 0) > since], _newest(items)


def _pages_back_to(since: int, channel: Channel, account: dict[str, Any], credentials: Any) -> list[dict[str, Any]]:
    """The newest page, then older pages (`flag=before`) until one reaches back to `since` (a cursor that is only
    a time: a channel that was empty at its first poll, or whose cursor message KOOK no longer knows)."""
    page = kook_api.messages(credentials, channel.channel_id)
    items = list(page.items)
    for _page in range(PAGES_PER_CHANNEL - 1):
        reaches_back = not items or int(items[0].get("create_at") or 0) <= since
        if reaches_back or len(page.items) < kook_api.MESSAGE_PAGE_SIZE or not _respect(page.rate, account):
            break
        page = kook_api.messages(credentials, channel.channel_id, before=str(items[0]["id"]))
        items = page.items + items
    _respect(page.rate, account)
    return items


def _pages_after(channel: Channel, account: dict[str, Any], credentials: Any,
                 after: str) -> tuple[list[dict[str, Any]], tuple[str, int] | None]:
    items: list[dict[str, Any]] = []
    for _page in range(PAGES_PER_CHANNEL):
        page = kook_api.messages(credentials, channel.channel_id, after=after)
        items.extend(page.items)
        if not _respect(page.rate, account) or len(page.items) < kook_api.MESSAGE_PAGE_SIZE:
            break
        after = str(page.items[-1]["id"])
    return items, _newest(items)


def _newest(items: list[dict[str, Any]]) -> tuple[str, int] | None:
    if not items:
        return None
    last = items[-1]
    return str(last["id"]), int(last.get("create_at") or 0)


def _respect(rate: kook_api.RateLimit, account: dict[str, Any]) -> bool:
    """False (and the account paused) when KOOK's bucket is empty."""
    if rate.exhausted:
        ingest.pause(account["id"], clock.epoch() + max(1, math.ceil(rate.reset_seconds or 1)))
        return False
    return True
