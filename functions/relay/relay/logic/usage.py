"""Usage as every screen reads it, from the counters of store/usage (never by scanning records), and the
request logs (newest first, through the most selective index)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from relay import clock, ids
from relay.logic import packages
from relay.models.entities import RequestLog
from relay.store import accounts, request_logs, usage, users
from suite.errors import BadRequest, NotFound

MAX_DAYS = 366
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MONTH = re.compile(r"^\d{4}-\d{2}$")


def _date(text: str, name: str) -> str:
    if not DATE.match(text):
        raise BadRequest(f"invalid {name} format (YYYY-MM-DD)")
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise BadRequest(f"invalid {name} format (YYYY-MM-DD)") from None


def date_range(start: str | None, end: str | None, *, default_days: int) -> tuple[str, str]:
    """(start, end) as YYYY-MM-DD: both given, or the last `default_days` days ending today."""
    if not start or not end:
        today = clock.day()
        return clock.shift_day(today, -default_days), today
    first, last = _date(start, "start_date"), _date(end, "end_date")
    if first > last:
        raise BadRequest("start_date is after end_date")
    if len(clock.days_between(first, last)) > MAX_DAYS:
        raise BadRequest(f"a range covers at most {MAX_DAYS} days")
    return first, last


def month_of(year: int | None, month: int | None, text: str | None) -> str:
    if text:
        if not MONTH.match(text) or not 1 <= int(text[5:]) <= 12:
            raise BadRequest("invalid month format (YYYY-MM)")
        return text
    if year is not None and month is not None:
        return f"{year:04d}-{month:02d}"
    return clock.month()


def _add(total: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    for name in usage.FIELDS:
        total[name] = total.get(name, 0) + (item.get(name) or 0)
    return total


def _zero() -> dict[str, Any]:
    return dict.fromkeys(usage.FIELDS, 0)


def _shape(counters: dict[str, Any]) -> dict[str, Any]:
    """Counters under every name the original's screens and docs use."""
    requests = int(counters["requests"])
    return {
        "request_count": requests, "total_requests": requests, "requests": requests,
        "error_count": int(counters["errors"]), "success_count": requests - int(counters["errors"]),
        "input_tokens": int(counters["input_tokens"]), "output_tokens": int(counters["output_tokens"]),
        "cache_creation_tokens": int(counters["cache_creation_tokens"]),
        "cache_read_tokens": int(counters["cache_read_tokens"]),
        "cache_creation_input_tokens": int(counters["cache_creation_tokens"]),
        "cache_read_input_tokens": int(counters["cache_read_tokens"]),
        "total_tokens": int(counters["total_tokens"]), "tokens": int(counters["total_tokens"]),
        "input_cost": round(float(counters["input_cost"]), 10),
        "output_cost": round(float(counters["output_cost"]), 10),
        "cache_create_cost": round(float(counters["cache_create_cost"]), 10),
        "cache_read_cost": round(float(counters["cache_read_cost"]), 10),
        "total_cost": round(float(counters["cost"]), 10), "cost": round(float(counters["cost"]), 10),
        "avg_duration": round(counters["duration_ms"] / requests, 1) if requests else 0,
    }


def _split(items: list[dict[str, Any]]) -> tuple[dict[str, dict], dict[str, dict], dict[str, dict]]:
    """Day items into (per day, per model, per user) totals."""
    per_day: dict[str, dict] = {}
    per_model: dict[str, dict] = {}
    per_user: dict[str, dict] = {}
    for item in items:
        parts = item["sk"].split("#")  # D#<day> | D#<day>#M#<model> | D#<day>#U#<uid>
        if len(parts) == 2:
            _add(per_day.setdefault(parts[1], _zero()), item)
        elif parts[2] == "M":
            _add(per_model.setdefault("#".join(parts[3:]), _zero()), item)
        elif parts[2] == "U":
            _add(per_user.setdefault(parts[3], _zero()), item)
    return per_day, per_model, per_user


def _days(owners: list[str], start: str, end: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for owner in owners:
        items += usage.days(owner, start, end)
    return items


def _daily_rows(per_day: dict[str, dict], start: str, end: str) -> list[dict[str, Any]]:
    return [{"date": day, **_shape(per_day.get(day, _zero()))} for day in clock.days_between(start, end)]


def _model_rows(per_model: dict[str, dict]) -> list[dict[str, Any]]:
    rows = [{"model": model, **_shape(counters)} for model, counters in per_model.items()]
    return sorted(rows, key=lambda r: (-r["total_cost"], -r["request_count"], r["model"]))


# --- one user ---------------------------------------------------------------------------------------------------

def summary(user_id: int) -> dict[str, Any]:
    owner = f"U#{user_id}"
    total, today = usage.totals(owner), usage.totals(owner, f"D#{clock.day()}")
    models = usage.model_totals(owner)
    shaped, shaped_today = _shape(total), _shape(today)
    return {
        **shaped, "model_count": len(models),
        "today": {"cost": shaped_today["total_cost"], "tokens": shaped_today["total_tokens"],
                  "requests": shaped_today["request_count"]},
        "today_cost": shaped_today["total_cost"], "today_tokens": shaped_today["total_tokens"],
        "today_requests": shaped_today["request_count"],
        "total": {"total_cost": shaped["total_cost"], "total_tokens": shaped["total_tokens"],
                  "request_count": shaped["request_count"]},
    }


def daily(user_id: int, start: str | None, end: str | None) -> list[dict[str, Any]]:
    first, last = date_range(start, end, default_days=7)
    per_day, _, _ = _split(usage.days(f"U#{user_id}", first, last))
    return _daily_rows(per_day, first, last)


def monthly(user_id: int, month: str) -> dict[str, Any]:
    return {"month": month, **_shape(usage.totals(f"U#{user_id}", f"MO#{month}"))}


def stats(user_id: int, start: str | None, end: str | None) -> dict[str, Any]:
    first, last = date_range(start, end, default_days=30)
    per_day, per_model, _ = _split(usage.days(f"U#{user_id}", first, last))
    rows = _daily_rows(per_day, first, last)
    total = _zero()
    for counters in per_day.values():
        _add(total, counters)
    return {"start_date": first, "end_date": last, "stats": rows, "daily": rows, "models": _model_rows(per_model),
            **_shape(total)}


def models(user_id: int, start: str | None = None, end: str | None = None) -> list[dict[str, Any]]:
    if start and end:
        first, last = date_range(start, end, default_days=30)
        _, per_model, _ = _split(usage.days(f"U#{user_id}", first, last))
        return _model_rows(per_model)
    return _model_rows({item["sk"][4:]: item for item in usage.model_totals(f"U#{user_id}")})


def db_summary(user_id: int) -> dict[str, Any]:
    owner = f"U#{user_id}"
    total, today = _shape(usage.totals(owner)), _shape(usage.totals(owner, f"D#{clock.day()}"))
    return {"total_requests": total["request_count"], "total_tokens": total["total_tokens"],
            "total_cost": total["total_cost"], "today_requests": today["request_count"],
            "today_tokens": today["total_tokens"], "today_cost": today["total_cost"]}


def db_daily(user_id: int, start: str | None, end: str | None) -> dict[str, Any]:
    first, last = date_range(start, end, default_days=30)
    per_day, _, _ = _split(usage.days(f"U#{user_id}", first, last))
    rows = [{"date": day, **_shape(counters)} for day, counters in sorted(per_day.items())]
    return {"start_date": first, "end_date": last, "daily": rows}


def db_models(user_id: int, start: str | None, end: str | None) -> dict[str, Any]:
    return {"models": models(user_id, start, end)}


def admin_user_summary(user_id: int) -> dict[str, Any]:
    if users.get(user_id) is None:
        raise NotFound("user not found")
    total = _shape(usage.totals(f"U#{user_id}"))
    model_usage = [{"model": row["model"], "requests": row["request_count"], "tokens": row["total_tokens"],
                    "cost": row["total_cost"]} for row in models(user_id)]
    package_usage = []
    for held in packages.of_user(user_id):
        entry = {key: held[key] for key in ("id", "name", "type", "status", "expire_time")}
        if held["type"] == "subscription":
            for period in ("daily", "weekly", "monthly"):
                quota, used = held[f"{period}_quota"], held[f"{period}_used"]
                entry.update({f"{period}_quota": quota, f"{period}_used": used, f"{period}_remain": quota - used})
        else:
            entry.update({"quota_total": held["quota_total"], "quota_used": held["quota_used"],
                          "quota_remain": held["quota_total"] - held["quota_used"]})
        package_usage.append(entry)
    return {"total_requests": total["request_count"], "total_tokens": total["total_tokens"],
            "total_cost": total["total_cost"], "model_usage": model_usage, "package_usage": package_usage}


def admin_user_db(user_id: int, start: str | None, end: str | None) -> dict[str, Any]:
    if users.get(user_id) is None:
        raise NotFound("user not found")
    first, last = date_range(start, end, default_days=30)
    per_day, per_model, _ = _split(usage.days(f"U#{user_id}", first, last))
    total = _shape(usage.totals(f"U#{user_id}"))
    return {"start_date": first, "end_date": last,
            "daily": [{"date": day, **_shape(c)} for day, c in sorted(per_day.items())],
            "models": _model_rows(per_model), "total_requests": total["request_count"],
            "total_tokens": total["total_tokens"], "total_cost": total["total_cost"]}


# --- everyone -----------------------------------------------------------------------------------------------------

def all_users(start: str | None, end: str | None) -> dict[str, Any]:
    first, last = date_range(start, end, default_days=30)
    per_day, per_model, per_user = _split(_days(usage.global_shards(), first, last))
    total = _zero()
    for counters in per_day.values():
        _add(total, counters)
    shaped = _shape(total)
    return {"start_date": first, "end_date": last, "total_requests": shaped["request_count"],
            "total_tokens": shaped["total_tokens"], "total_cost": shaped["total_cost"],
            "daily": [{"date": day, **_shape(c)} for day, c in sorted(per_day.items())],
            "models": _model_rows(per_model),
            "users": sorted(({"user_id": int(uid), **_shape(c)} for uid, c in per_user.items()),
                            key=lambda r: -r["total_cost"])}


def today_global() -> dict[str, Any]:
    day = clock.day()
    per_day, per_model, per_user = _split(_days(usage.global_shards(), day, day))
    return {"date": day, **_shape(per_day.get(day, _zero())), "active_users": len(per_user),
            "models": _model_rows(per_model)}


def logs_summary(start: str | None, end: str | None) -> dict[str, Any]:
    first, last = date_range(start, end, default_days=7)
    per_day, _, _ = _split(_days(usage.global_shards(), first, last))
    total = _zero()
    for counters in per_day.values():
        _add(total, counters)
    shaped = _shape(total)
    return {"start_date": first, "end_date": last, "total_requests": shaped["request_count"],
            "success_requests": shaped["success_count"], "failed_requests": shaped["error_count"],
            "total_input_tokens": shaped["input_tokens"], "total_output_tokens": shaped["output_tokens"],
            "total_cache_creation_tokens": shaped["cache_creation_tokens"],
            "total_cache_read_tokens": shaped["cache_read_tokens"], "total_tokens": shaped["total_tokens"],
            "total_cost": shaped["total_cost"], "avg_duration": shaped["avg_duration"]}


def account_load(start: str | None, end: str | None) -> list[dict[str, Any]]:
    first, last = date_range(start, end, default_days=7)
    rows = []
    for account in accounts.every():
        per_day, _, _ = _split(usage.days(f"A#{account.id}", first, last))
        total = _zero()
        for counters in per_day.values():
            _add(total, counters)
        shaped = _shape(total)
        rows.append({"account_id": account.id, "account_name": account.name, "platform": account.platform,
                     "request_count": shaped["request_count"], "success_count": shaped["success_count"],
                     "error_count": shaped["error_count"], "total_tokens": shaped["total_tokens"],
                     "total_cost": shaped["total_cost"], "avg_duration": shaped["avg_duration"],
                     "last_used_at": clock.iso(account.last_used_at) if account.last_used_at else None})
    return sorted(rows, key=lambda r: (-r["request_count"], r["account_id"]))


# --- request logs ---------------------------------------------------------------------------------------------

def log_view(item: RequestLog) -> dict[str, Any]:
    at = clock.iso(item.created_at)
    return {"id": item.id, "request_id": item.request_id, "user_id": item.user_id, "api_key_id": item.api_key_id,
            "account_id": item.account_id, "account_name": item.account_name, "platform": item.platform,
            "model": item.model, "endpoint": item.endpoint, "method": item.method, "path": item.path,
            "request_ip": item.request_ip, "user_agent": item.user_agent, "session_id": item.session_id,
            "input_tokens": item.input_tokens, "output_tokens": item.output_tokens,
            "cache_creation_input_tokens": item.cache_creation_input_tokens,
            "cache_read_input_tokens": item.cache_read_input_tokens, "total_tokens": item.total_tokens,
            "input_cost": item.input_cost, "output_cost": item.output_cost,
            "cache_create_cost": item.cache_create_cost, "cache_read_cost": item.cache_read_cost,
            "total_cost": item.total_cost, "status_code": item.status_code, "success": item.success,
            "error": item.error, "duration": item.duration, "upstream_status_code": item.upstream_status_code,
            "upstream_error": item.upstream_error, "created_at": at, "request_time": at, "timestamp": at}


def _time_bound(text: str | None, *, end: bool) -> float | None:
    if not text:
        return None
    if DATE.match(text):
        day = _date(text, "date")
        return clock.day_start(day) + (86400 - 0.001 if end else 0)
    try:
        return clock.parse_iso(text)
    except ValueError:
        raise BadRequest("invalid time (YYYY-MM-DD or ISO-8601)") from None


def logs(offset: int, limit: int, *, start: str | None = None, end: str | None = None,
         **filters: Any) -> tuple[list[dict[str, Any]], int]:
    """Request logs, newest first; `start`/`end` are days or ISO times (default: the last 7 days)."""
    first, last = _time_bound(start, end=False), _time_bound(end, end=True)
    if first is None:
        first = clock.day_start(clock.shift_day(clock.day(), -7))
    if last is None:
        last = clock.now()
    if first > last:
        raise BadRequest("start is after end")
    days = clock.days_between(clock.day(first), clock.day(last))
    if len(days) > MAX_DAYS:
        raise BadRequest(f"a range covers at most {MAX_DAYS} days")
    first_id, last_id = int(first * 1000) * 1000, int(last * 1000) * 1000 + 999
    items, total = request_logs.page(offset, limit, days=days, first_id=first_id, last_id=last_id,
                                     **{k: v for k, v in filters.items() if v is not None})
    return [log_view(item) for item in items], total


def log_id_day(log_id: int) -> str:
    return clock.day(ids.log_id_seconds(log_id))
