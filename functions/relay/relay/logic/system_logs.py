"""System logs: the relay functions' CloudWatch Logs, presented as the original's "files".

A file is `<category>/<YYYY-MM-DD>`: one function's log group (category = the function, e.g. `Auth`) on one
day (source `app`), or the HTTP API's access log (category `access`, source `server`). Only the log groups the
template names (`RELAY_LOG_GROUPS`, `RELAY_ACCESS_LOG_GROUP`) can be read or deleted; deleting removes that
day's log streams (Lambda names its streams `YYYY/MM/DD/...`), never a group. Retention is the log groups'
own (`LogRetentionDays`). In `make dev` the local stack mirrors every function's output into the local
CloudWatch Logs, so the same routes work there.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from relay import clock, config
from relay.store import monitoring
from suite.errors import BadRequest, NotFound

FILE = re.compile(r"^([A-Za-z0-9_-]{1,64})/(\d{4}-\d{2}-\d{2})$")
MAX_DOWNLOAD_BYTES = 5 * 1024 * 1024


def groups(source: str = "app") -> dict[str, str]:
    settings = config.get()
    if source == "server":
        return {"access": settings.access_log_group} if settings.access_log_group else {}
    found = {}
    for pair in settings.log_groups:
        name, _, group = pair.partition("=")
        if name and group:
            found[name] = group
    return found


def _parse(file: str | None, source: str) -> tuple[str, str, str]:
    match = FILE.match((file or "").strip())
    if not match:
        raise BadRequest("file must be <category>/<YYYY-MM-DD>")
    category, day = match.groups()
    try:
        dt.date.fromisoformat(day)
    except ValueError:
        raise BadRequest("file must be <category>/<YYYY-MM-DD>") from None
    group = groups(source).get(category)
    if group is None:
        raise NotFound("no such log (only the relay's own log groups can be read)")
    return category, day, group


def _day_bounds(day: str) -> tuple[int, int]:
    start = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(), dt.UTC).timestamp()
    return int(start * 1000), int((start + 86400) * 1000) - 1


def _stream_prefix(day: str) -> str:
    return day.replace("-", "/") + "/"


def files(source: str, category: str | None, day: str | None) -> dict[str, Any]:
    if day is not None:
        try:
            dt.date.fromisoformat(day)
        except ValueError:
            raise BadRequest("date must be YYYY-MM-DD") from None
    found = []
    for name, group in sorted(groups(source).items()):
        if category and name != category:
            continue
        by_day: dict[str, dict[str, Any]] = {}
        for stream in monitoring.streams(group, _stream_prefix(day) if day and source == "app" else None):
            stream_day = _day_of(stream, source)
            if stream_day is None or (day and stream_day != day):
                continue
            entry = by_day.setdefault(stream_day, {"name": f"{name}/{stream_day}", "category": name,
                                                   "date": stream_day, "source": source, "size": 0, "streams": 0,
                                                   "modified_at": None})
            entry["streams"] += 1
            entry["size"] += int(stream.get("storedBytes", 0) or 0)
            last = stream.get("lastEventTimestamp") or stream.get("lastIngestionTime")
            if last and (entry["modified_at"] is None or clock.iso(last / 1000) > entry["modified_at"]):
                entry["modified_at"] = clock.iso(last / 1000)
        found += sorted(by_day.values(), key=lambda e: e["date"], reverse=True)
    return {"files": found, "items": found, "total": len(found), "categories": sorted(groups(source))}


def _day_of(stream: dict[str, Any], source: str) -> str | None:
    name = stream.get("logStreamName", "")
    if re.match(r"^\d{4}/\d{2}/\d{2}/", name):
        return name[:10].replace("/", "-")
    first = stream.get("firstEventTimestamp") or stream.get("creationTime")
    return dt.datetime.fromtimestamp(first / 1000, dt.UTC).date().isoformat() if first else None


def _lines(file: str, source: str, limit: int = monitoring.MAX_EVENTS) -> list[str]:
    _, day, group = _parse(file, source)
    start, end = _day_bounds(day)
    found = monitoring.events(group, start, end, limit=limit)
    return [str(event.get("message", "")).rstrip("\n") for event in found]


def read(file: str | None, source: str, offset: int, limit: int) -> dict[str, Any]:
    lines = _lines(file or "", source)
    chosen = lines[offset:offset + limit]
    return {"file": file, "lines": chosen, "content": "\n".join(chosen), "offset": offset, "limit": limit,
            "total_lines": len(lines), "has_more": offset + limit < len(lines)}


def tail(file: str | None, source: str, count: int) -> dict[str, Any]:
    lines = _lines(file or "", source)
    chosen = lines[-count:] if count else []
    return {"file": file, "lines": chosen, "content": "\n".join(chosen), "total_lines": len(lines)}


def download(file: str | None, source: str) -> tuple[str, str]:
    lines = _lines(file or "", source)
    text, size = [], 0
    for line in lines:
        size += len(line.encode()) + 1
        if size > MAX_DOWNLOAD_BYTES:
            text.append("… (truncated at 5 MB)")
            break
        text.append(line)
    category, day, _ = _parse(file or "", source)
    return "\n".join(text) + "\n", f"relay-{category}-{day}.log"


def delete(file: str | None, source: str) -> dict[str, Any]:
    category, day, group = _parse(file or "", source)
    if day >= clock.day():
        raise BadRequest("today's log is still being written; only earlier days can be deleted")
    names = [s["logStreamName"] for s in monitoring.streams(group, _stream_prefix(day) if source == "app" else None)
             if _day_of(s, source) == day]
    deleted = monitoring.delete_streams(group, names)
    return {"message": f"deleted {deleted} log streams of {category} on {day}", "deleted": deleted}
