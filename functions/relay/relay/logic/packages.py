"""Packages and users' packages.

A user package's spend is not a field that needs resetting: the usage consumer ADDs each request's cost to the
package's counters of the current day, ISO week, month and all time (`P#<id>` in the usage table), so
`daily_used` is simply today's counter. An admin correcting the spend sets the current period's counter.
The effective status is computed: past its expire time a package is `expired`, a quota package whose spend
reached its quota is `exhausted`.
"""

from __future__ import annotations

from typing import Any

from relay import clock
from relay.logic import oplog
from relay.models import packages as shapes
from relay.models.entities import Package, UserPackage
from relay.store import api_keys, packages, sequences, usage, users
from suite.errors import BadRequest, NotFound

ZERO = dict.fromkeys(usage.FIELDS, 0)


def _csv(value: str | None) -> str | None:
    return None if value is None else ",".join(dict.fromkeys(p.strip() for p in value.split(",") if p.strip()))


def view(item: Package) -> dict[str, Any]:
    return shapes.PackageView(
        id=item.id, name=item.name, type=item.type, price=float(item.price), duration=int(item.duration),
        valid_days=int(item.duration), daily_quota=float(item.daily_quota), weekly_quota=float(item.weekly_quota),
        monthly_quota=float(item.monthly_quota), quota_amount=float(item.quota_amount),
        token_quota=float(item.quota_amount), allowed_models=item.allowed_models or "",
        allowed_platforms=item.allowed_platforms or "all", rate_limit=int(item.rate_limit or 0),
        daily_limit=int(item.daily_limit or 0), description=item.description or "", status=item.status,
        created_at=clock.iso(item.created_at), updated_at=clock.iso(item.updated_at or item.created_at)).model_dump()


def get_package(package_id: int) -> Package:
    item = packages.get_package(package_id)
    if item is None:
        raise NotFound("package not found")
    return item


def all_packages(*, active_only: bool = False) -> list[dict[str, Any]]:
    return [view(p) for p in packages.all_packages() if not active_only or p.status == "active"]


def create_package(body: shapes.PackageCreate) -> dict[str, Any]:
    now = clock.now()
    fields = body.model_dump()
    fields["allowed_models"] = _csv(fields["allowed_models"]) or ""
    item = packages.new_package(sequences.next_id("package"), **fields, created_at=now, updated_at=now)
    packages.save(item)
    answer = view(item)
    oplog.changed(None, answer, target=item.id, name=item.name)
    return answer


def update_package(package_id: int, body: shapes.PackageUpdate) -> dict[str, Any]:
    item = get_package(package_id)
    before = view(item)
    changes = {name: value for name, value in body.model_dump(exclude_unset=True).items() if value is not None}
    if "allowed_models" in changes:
        changes["allowed_models"] = _csv(changes["allowed_models"])
    if changes:
        changes["updated_at"] = clock.now()
        if not packages.update(item, Package, changes):
            raise NotFound("package not found")
        item = get_package(package_id)
    after = view(item)
    oplog.changed(before, after, target=item.id, name=item.name)
    return after


def delete_package(package_id: int) -> None:
    item = get_package(package_id)
    if not packages.delete_package(item):
        raise NotFound("package not found")
    oplog.changed(view(item), None, target=item.id, name=item.name)


# --- users' packages ------------------------------------------------------------------------------------------

def _periods(now: float) -> dict[str, str]:
    return {"daily": f"D#{clock.day(now)}", "weekly": f"W#{clock.iso_week(now)}", "monthly": f"MO#{clock.month(now)}",
            "total": "T"}


def spend(items: list[UserPackage], now: float | None = None) -> dict[int, dict[str, float]]:
    """Each package's spend in the current day, week, month and all time (one BatchGetItem)."""
    now = clock.now() if now is None else now
    periods = _periods(now)
    found = usage.many([(f"P#{item.id}", sk) for item in items for sk in periods.values()]) if items else {}
    return {item.id: {name: float((found.get((f"P#{item.id}", sk)) or ZERO)["cost"]) for name, sk in periods.items()}
            for item in items}


def effective_status(item: UserPackage, spent: dict[str, float], now: float) -> str:
    if item.status != "active":
        return item.status
    if item.expire_time and item.expire_time < now:
        return "expired"
    if item.type == "quota" and item.quota_total and spent["total"] >= float(item.quota_total):
        return "exhausted"
    return "active"


def user_package_views(items: list[UserPackage]) -> list[dict[str, Any]]:
    now = clock.now()
    spent_all = spend(items, now)
    answers = []
    for item in sorted(items, key=lambda i: i.id, reverse=True):
        spent = spent_all[item.id]
        quota_total = float(item.quota_total or 0)
        answers.append(shapes.UserPackageView(
            id=item.id, user_id=item.user_id, package_id=item.package_id, name=item.name, type=item.type,
            status=effective_status(item, spent, now),
            start_time=clock.iso(item.start_time) if item.start_time else None,
            expire_time=clock.iso(item.expire_time) if item.expire_time else None,
            end_time=clock.iso(item.expire_time) if item.expire_time else None,
            daily_quota=float(item.daily_quota), weekly_quota=float(item.weekly_quota),
            monthly_quota=float(item.monthly_quota), daily_used=spent["daily"], weekly_used=spent["weekly"],
            monthly_used=spent["monthly"], quota_total=quota_total, quota_used=spent["total"],
            quota_remaining=max(0.0, quota_total - spent["total"]) if item.type == "quota" else 0.0,
            allowed_models=item.allowed_models or "", last_reset_day=clock.day(now),
            last_reset_week=clock.iso_week(now), last_reset_month=clock.month(now),
            created_at=clock.iso(item.created_at), updated_at=clock.iso(item.updated_at or item.created_at),
        ).model_dump())
    return answers


def of_user(user_id: int, *, active_only: bool = False) -> list[dict[str, Any]]:
    views = user_package_views(packages.of_user(user_id))
    return [v for v in views if v["status"] == "active"] if active_only else views


def _when(text: str | None, what: str) -> float | None:
    if text is None or not text.strip():
        return None
    try:
        return clock.parse_iso(text)
    except ValueError:
        raise BadRequest(f"{what} must be an ISO-8601 time") from None


def assign(user_id: int, body: shapes.AssignPackage) -> dict[str, Any]:
    if users.get(user_id) is None:
        raise NotFound("user not found")
    template = get_package(body.package_id)
    now = clock.now()
    start = _when(body.start_time, "start_time") or now
    days = body.valid_days if body.valid_days is not None else int(template.duration)
    item = packages.new_user_package(
        user_id, sequences.next_id("user_package"), package_id=template.id, name=template.name, type=template.type,
        status="active", start_time=start, expire_time=start + days * 86400 if days else None,
        daily_quota=template.daily_quota if template.type == "subscription" else 0,
        weekly_quota=template.weekly_quota if template.type == "subscription" else 0,
        monthly_quota=template.monthly_quota if template.type == "subscription" else 0,
        quota_total=(body.token_quota if body.token_quota is not None else template.quota_amount)
        if template.type == "quota" else 0,
        allowed_models=template.allowed_models or "", created_at=now, updated_at=now)
    packages.create_user_package(item)
    answer = user_package_views([item])[0]
    oplog.changed(None, answer, target=item.id, name=item.name)
    return answer


def user_package(up_id: int) -> UserPackage:
    item = packages.user_package_by_id(up_id)
    if item is None:
        raise NotFound("user package not found")
    return item


def update_user_package(up_id: int, body: shapes.UserPackageUpdate) -> dict[str, Any]:
    item = user_package(up_id)
    before = user_package_views([item])[0]
    fields = body.model_dump(exclude_unset=True)
    changes: dict[str, Any] = {}
    for name in ("status", "daily_quota", "weekly_quota", "monthly_quota", "quota_total"):
        if fields.get(name) is not None:
            changes[name] = fields[name]
    if fields.get("allowed_models") is not None:
        changes["allowed_models"] = _csv(fields["allowed_models"])
    if "expire_time" in fields:
        changes["expire_time"] = _when(fields["expire_time"], "expire_time")
    if changes:
        changes["updated_at"] = clock.now()
        if not packages.update(item, UserPackage, changes):
            raise NotFound("user package not found")
    periods = _periods(clock.now())
    for name, period in (("daily_used", "daily"), ("weekly_used", "weekly"), ("monthly_used", "monthly"),
                         ("quota_used", "total")):
        if fields.get(name) is not None:
            usage.set_amount(f"P#{item.id}", periods[period], "cost", float(fields[name]))
    item = user_package(up_id)
    after = user_package_views([item])[0]
    oplog.changed(before, after, target=item.id, name=item.name)
    return after


def delete_user_package(up_id: int) -> dict[str, Any]:
    item = user_package(up_id)
    bound = list(api_keys.of_package(item.user_id, item.id))
    if not packages.delete_user_package(item, bound):
        raise NotFound("user package not found")
    oplog.changed(user_package_views([item])[0], None, target=item.id, name=item.name)
    return {"message": "deleted", "unbound_keys": len(bound)}


def balances(user_ids: list[int]) -> dict[int, dict[str, float]]:
    """Per user: what is left on active quota packages, and on active subscriptions today (-1: unlimited)."""
    now = clock.now()
    answers: dict[int, dict[str, float]] = {}
    for user_id in user_ids:
        items = packages.of_user(user_id)
        spent_all = spend(items, now)
        quota_left, daily_left = 0.0, 0.0
        for item in items:
            spent = spent_all[item.id]
            if effective_status(item, spent, now) != "active":
                continue
            if item.type == "quota":
                quota_left += max(0.0, float(item.quota_total) - spent["total"])
            elif not item.daily_quota:
                daily_left = -1.0
            elif daily_left >= 0:
                daily_left += max(0.0, float(item.daily_quota) - spent["daily"])
        answers[user_id] = {"quota_key_balance": round(quota_left, 6),
                            "subscription_daily_remain": round(daily_left, 6)}
    return answers
