"""Operation logs: every admin write, who made it and what it changed (secrets masked).

Routes never record by hand: `routes.common.AdminRouter` wraps every admin write in `recording(...)`, and logic
functions that change something call `changed(before, after, target=..., name=...)` with the views of the
object before and after (views never hold secrets; the request body is masked here anyway).
"""

from __future__ import annotations

import json
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from relay import clock, ids
from relay.store import oplogs
from suite.security.masking import redact

SECRET_FIELDS = ("password", "old_password", "new_password", "api_key", "api_secret", "access_token",
                 "refresh_token", "session_key", "cookie", "aws_secret_key", "aws_secret_access_key",
                 "aws_session_token", "aws_access_key", "aws_access_key_id", "key_full", "secret",
                 "token", "captcha", "authorization", "client_secret", "id_token")
MAX_TEXT = 4000
RETENTION_DAYS = 180


@dataclass
class Notes:
    before: Any = None
    after: Any = None
    target: Any = None
    name: str = ""
    noted: bool = False
    extra: list[dict[str, Any]] = field(default_factory=list)


_notes: ContextVar[Notes | None] = ContextVar("relay_oplog_notes", default=None)


def begin() -> None:
    _notes.set(Notes())


def changed(before: Any, after: Any, *, target: Any = None, name: str = "") -> None:
    """What the current admin write changed (the first call names the target; later calls are kept too)."""
    notes = _notes.get()
    if notes is None:
        return
    if notes.noted:
        notes.extra.append({"target": target, "before": before, "after": after})
        return
    notes.before, notes.after, notes.target, notes.name, notes.noted = before, after, target, name, True


def _text(value: Any) -> str:
    if value is None:
        return ""
    masked = redact(value, SECRET_FIELDS) if isinstance(value, dict | list) else value
    text = json.dumps(masked, ensure_ascii=False, default=str, separators=(",", ":"))
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"


def masked_body(raw: str | None) -> str:
    if not raw:
        return ""
    try:
        return _text(json.loads(raw))
    except ValueError:
        return "(not JSON)"


def finish(*, caller: Any, method: str, path: str, module: str, action: str, target: str, status: int,
           message: str, body: str | None, ip: str, user_agent: str, started: float) -> None:
    notes = _notes.get() or Notes()
    _notes.set(None)
    after = notes.after if not notes.extra else {"first": notes.after, "more": notes.extra}
    oplogs.put(
        ids.log_id(), user_id=getattr(caller, "id", 0) or 0, username=getattr(caller, "username", "") or "",
        ip=ip[:64], method=method, path=path[:255], module=module, action=action,
        target_id=str(notes.target if notes.target is not None else target)[:64],
        target_name=str(notes.name or "")[:255],
        description=f"{method} {path}"[:500], request_body=masked_body(body), before=_text(notes.before),
        after=_text(after), response_code=status, response_msg=message[:500],
        duration=int((clock.now() - started) * 1000), user_agent=user_agent[:500], created_at=clock.now(),
        expires_at=clock.epoch() + RETENTION_DAYS * 86400)


def view(item: Any) -> dict[str, Any]:
    def parsed(text: str) -> Any:
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError:
            return text

    return {"id": item.id, "user_id": item.user_id, "username": item.username, "ip": item.ip,
            "method": item.method, "path": item.path, "module": item.module, "resource": item.module,
            "action": item.action, "target_id": item.target_id, "target_name": item.target_name,
            "description": item.description, "request_body": item.request_body, "before": parsed(item.before),
            "after": parsed(item.after), "response_code": item.response_code, "response_msg": item.response_msg,
            "duration": item.duration, "user_agent": item.user_agent, "created_at": clock.iso(item.created_at)}


# --- reading ----------------------------------------------------------------------------------------------------

def _months(first: float, last: float) -> list[str]:
    months: list[str] = []
    cursor = first
    while True:
        month = clock.month(cursor)
        if month not in months:
            months.append(month)
        if month == clock.month(last) or cursor > last:
            break
        cursor += 86400 * 27
    if clock.month(last) not in months:
        months.append(clock.month(last))
    return months


def _matching(first: float, last: float, *, user_id: int | None = None, module: str | None = None,
              action: str | None = None, search: str | None = None):
    first_id, last_id = int(first * 1000) * 1000, int(last * 1000) * 1000 + 999
    needle = (search or "").lower()
    for month in reversed(_months(first, last)):
        for item in oplogs.in_month(month, since_id=first_id, until_id=last_id):
            if user_id is not None and item.user_id != user_id:
                continue
            if module and item.module != module:
                continue
            if action and item.action != action:
                continue
            if needle and needle not in f"{item.path} {item.description} {item.target_name} {item.username}".lower():
                continue
            yield item


def page(offset: int, limit: int, *, first: float, last: float, **filters: Any) -> tuple[list[dict], int]:
    items: list[dict[str, Any]] = []
    total = 0
    for item in _matching(first, last, **filters):
        if offset <= total < offset + limit:
            items.append(view(item))
        total += 1
    return items, total


def get(log_id: int) -> dict[str, Any] | None:
    item = oplogs.get(log_id)
    return view(item) if item else None


def stats(days: int) -> dict[str, Any]:
    last = clock.now()
    first = last - days * 86400
    by_module: dict[str, int] = {}
    by_action: dict[str, int] = {}
    by_user: dict[tuple[int, str], int] = {}
    total = 0
    for item in _matching(first, last):
        total += 1
        by_module[item.module] = by_module.get(item.module, 0) + 1
        by_action[item.action] = by_action.get(item.action, 0) + 1
        by_user[(item.user_id, item.username)] = by_user.get((item.user_id, item.username), 0) + 1
    return {"days": days, "total": total,
            "by_module": [{"module": k, "count": v} for k, v in sorted(by_module.items(), key=lambda p: -p[1])],
            "by_action": [{"action": k, "count": v} for k, v in sorted(by_action.items(), key=lambda p: -p[1])],
            "by_user": [{"user_id": k[0], "username": k[1], "count": v}
                        for k, v in sorted(by_user.items(), key=lambda p: -p[1])[:20]]}


def cleanup(days: int) -> int:
    """Delete the logs older than `days` days (whole months first, then the start of the cutoff month)."""
    cutoff = clock.now() - days * 86400
    cutoff_id = int(cutoff * 1000) * 1000
    deleted = 0
    for month in _months(clock.now() - RETENTION_DAYS * 86400 - 31 * 86400, cutoff):
        old = list(oplogs.in_month(month, until_id=cutoff_id))
        deleted += oplogs.delete(old)
    return deleted
