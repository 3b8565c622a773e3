"""Message logs: paged listing with filters, stats from the counters (never by scanning), trend, export, clearing."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import time
from typing import Any

from kook import clock, ids
from kook.errors import fail
from kook.store import logs

PERIOD_DAYS = {"today": 1, "week": 7, "month": 30}
KNOWN_PLATFORMS = ("discord", "telegram", "feishu")
MAX_LIMIT = 1000
MAX_OFFSET = 10_000
CLEAR_BUDGET_SECONDS = 7.0  # stay inside the function's timeout; a second call finishes the job
EXPORT_FIELDS = ("id", "kook_message_id", "kook_channel_id", "content", "message_type", "sender_name",
                 "target_platform", "target_channel", "status", "error_message", "latency_ms", "created_at")


def public(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": ids.log_id(row["kook_message_id"], row["target"]),
        "kook_message_id": row["kook_message_id"],
        "kook_channel_id": row.get("kook_channel_id"),
        "content": row.get("content", ""),
        "message_type": row.get("message_type", "text"),
        "sender_name": row.get("sender_name", ""),
        "target_platform": row.get("target_platform"),
        "target_channel": row.get("target_channel", ""),
        "target_bot_id": row.get("target_bot_id"),
        "mapping_id": row.get("mapping_id"),
        "status": row.get("status"),
        "error_message": row.get("error_message"),
        "latency_ms": row.get("latency_ms"),
        "attempts": row.get("attempts", 1),
        "created_at": clock.iso(clock.parse(row["created_at"])),
        "updated_at": clock.iso(clock.parse(row["updated_at"])) if row.get("updated_at") else None,
    }


def _check_filters(status: str | None, platform: str | None) -> None:
    if status and status not in logs.STATUSES:
        raise fail(400, "INVALID_PARAM", "status 必须是 success、failed 或 pending")
    if platform and logs.platform_name(platform) != platform:
        raise fail(400, "INVALID_PARAM", "platform 无效")


def list_logs(*, page: int, limit: int, status: str | None = None, platform: str | None = None,
              channel_id: str | None = None) -> dict[str, Any]:
    _check_filters(status, platform)
    limit = min(limit, MAX_LIMIT)
    offset = (page - 1) * limit
    if offset > MAX_OFFSET:
        raise fail(400, "INVALID_PARAM", f"最多可翻到第 {MAX_OFFSET // limit + 1} 页",
                   solution="请使用 status、platform 或 channel_id 过滤")
    if channel_id:
        rows = logs.iter_rows(status=status, platform=platform, channel_id=channel_id)
        total = logs.count_channel_rows(channel_id, status=status, platform=platform)
    else:
        # The day counters say how many matching rows each day holds: days without any are not queried, and
        # whole days before the page are skipped, so a page costs the days it shows, not the retention period.
        per_day = _matching_rows_per_day(status, platform)
        total = sum(per_day.values())
        days = []
        for day, matching in per_day.items():
            if matching and offset >= matching and not days:
                offset -= matching
            elif matching:
                days.append(day)
        rows = logs.iter_rows(status=status, platform=platform, days=days)
    page_rows = [public(row) for row in itertools.islice(rows, offset, offset + limit)]
    return {"data": page_rows, "total": total, "page": page, "limit": limit}


def _matching_rows_per_day(status: str | None, platform: str | None) -> dict[str, int]:
    """Retained rows matching the filters per stats day, newest day first (from the day counters, one read)."""
    days = logs.recent_days(logs.retention_days() + 1)
    counters = logs.day_counters(days)
    per_day = {}
    for day in days:
        counts = _sum([counters.get(day, {})])["counts"]
        per_day[day] = sum(n for (p, s), n in counts.items()
                           if (not status or s == status) and (not platform or p == platform))
    return per_day


def count(*, status: str | None = None, platform: str | None = None, channel_id: str | None = None) -> int:
    """How many retained rows match: from the counters, or one COUNT Query for a single channel."""
    if channel_id:
        return logs.count_channel_rows(channel_id, status=status, platform=platform)
    return sum(_matching_rows_per_day(status, platform).values())


def _sum(items: Any) -> dict[str, Any]:
    counts: dict[tuple[str, str], int] = {}
    latency_sum: dict[str, int] = {}
    latency_n: dict[str, int] = {}
    for item in items:
        for name, value in item.items():
            parts = name.split("_")
            if parts[0] == "n" and len(parts) == 3:
                counts[(parts[1], parts[2])] = counts.get((parts[1], parts[2]), 0) + int(value)
            elif name.startswith("lat_sum_"):
                platform = name.removeprefix("lat_sum_")
                latency_sum[platform] = latency_sum.get(platform, 0) + int(value)
            elif name.startswith("lat_n_"):
                platform = name.removeprefix("lat_n_")
                latency_n[platform] = latency_n.get(platform, 0) + int(value)
    return {"counts": counts, "latency_sum": latency_sum, "latency_n": latency_n}


def _figures(counts: dict[str, int], latency_sum: int, latency_n: int) -> dict[str, Any]:
    total = sum(counts.values())
    success = counts.get("success", 0)
    return {
        "total": total,
        "success": success,
        "failed": counts.get("failed", 0),
        "pending": counts.get("pending", 0),
        "success_rate": round(success * 100 / total, 1) if total else 0.0,
        "avg_latency_ms": round(latency_sum / latency_n) if latency_n else 0,
    }


def _period_days(period: str) -> list[str]:
    if period not in PERIOD_DAYS:
        raise fail(400, "INVALID_PARAM", "period 必须是 today、week 或 month")
    return logs.recent_days(PERIOD_DAYS[period])


def stats(period: str = "today") -> dict[str, Any]:
    """The documented stats of a period, summed from the day counters."""
    totals = _sum(logs.day_counters(_period_days(period)).values())
    by_status: dict[str, int] = {}
    by_platform: dict[str, int] = dict.fromkeys(KNOWN_PLATFORMS, 0)
    for (platform, status), n in totals["counts"].items():
        by_status[status] = by_status.get(status, 0) + n
        by_platform[platform] = by_platform.get(platform, 0) + n
    figures = _figures(by_status, sum(totals["latency_sum"].values()), sum(totals["latency_n"].values()))
    return {**figures, "by_platform": by_platform, "period": period}


def platform_stats(period: str = "today") -> dict[str, Any]:
    totals = _sum(logs.day_counters(_period_days(period)).values())
    platforms = set(KNOWN_PLATFORMS) | {p for p, _s in totals["counts"]}
    return {"period": period, "platforms": {
        platform: _figures({s: n for (p, s), n in totals["counts"].items() if p == platform},
                           totals["latency_sum"].get(platform, 0), totals["latency_n"].get(platform, 0))
        for platform in sorted(platforms)}}


def trend(hours: int = 24) -> dict[str, Any]:
    """Deliveries per hour for the last `hours` hours (oldest first), from the hour counters."""
    now = clock.now().replace(minute=0, second=0, microsecond=0)
    slots = [now - dt.timedelta(hours=back) for back in range(hours - 1, -1, -1)]
    days = sorted({clock.day(slot) for slot in slots})
    counters = logs.hour_counters(days)
    labels, counts, stamps = [], [], []
    for slot in slots:
        item = counters.get((clock.day(slot), clock.hour(slot)), {})
        labels.append(f"{clock.hour(slot)}:00")
        stamps.append(clock.iso(slot))
        counts.append(sum(int(v) for k, v in item.items() if k.startswith("n_")))
    return {"hours": labels, "counts": counts, "timestamps": stamps}


def clear(days: int) -> dict[str, Any]:
    """Delete rows created more than `days` days ago (0: all), taking each out of its counters."""
    cutoff = clock.now() - dt.timedelta(days=days)
    candidates = [d for d in logs.recent_days(logs.retention_days() + 8) if d <= clock.day(cutoff)]
    started = time.monotonic()
    deleted = 0
    complete = True
    for row in logs.rows_created_before(cutoff, candidates):
        if time.monotonic() - started > CLEAR_BUDGET_SECONDS:
            complete = False
            break
        if logs.delete_row(row):
            deleted += 1
    return {"deleted": deleted, "complete": complete, "days": days}


def export_rows(*, limit: int, status: str | None = None, platform: str | None = None,
                channel_id: str | None = None) -> list[dict[str, Any]]:
    _check_filters(status, platform)
    if channel_id:
        rows = logs.iter_rows(status=status, platform=platform, channel_id=channel_id)
    else:
        days = [day for day, matching in _matching_rows_per_day(status, platform).items() if matching]
        rows = logs.iter_rows(status=status, platform=platform, days=days)
    return [public(row) for row in itertools.islice(rows, limit)]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value  # message text must not run as a spreadsheet formula
    return value


def as_csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_FIELDS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(row.get(k)) for k in EXPORT_FIELDS})
    return "\ufeff" + buffer.getvalue()  # BOM: Excel opens the Chinese text correctly
