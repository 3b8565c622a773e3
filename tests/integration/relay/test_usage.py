"""Usage: every figure read from the counters the usage writer ADDs (one transaction per request, counted once
even when the event is delivered twice), request logs newest first through their indexes."""

from __future__ import annotations

import uuid

import pytest

SONNET = "claude-sonnet-4-5-20250929"
HAIKU = "claude-haiku-4-5-20251001"


@pytest.fixture
def busy(relay, admin):
    """A user with a key and a package, and four requests: three Sonnet (one failed), one Haiku."""
    person = relay.person()
    held = relay.package(admin, person, quota_amount=10)
    key = relay.post("/api/api-keys", person, {"name": "k", "user_package_id": held["id"]}).json["data"]
    for n in range(3):
        assert relay.traffic(user_id=person.id, api_key_id=key["id"], user_package_id=held["id"], model=SONNET,
                             account_id=None, input_tokens=100, output_tokens=10 * (n + 1),
                             cache_read_tokens=5, input_cost=0.001, output_cost=0.002, success=n != 2,
                             status_code=200 if n != 2 else 502, duration_ms=100)
    assert relay.traffic(user_id=person.id, api_key_id=key["id"], user_package_id=held["id"], model=HAIKU,
                         input_tokens=50, output_tokens=5, input_cost=0.0005, output_cost=0.0001, duration_ms=50)
    return person, key, held


def test_a_redelivered_event_counts_once(relay):
    person = relay.person()
    request_id = uuid.uuid4().hex
    assert relay.traffic(request_id=request_id, user_id=person.id, model=SONNET, input_tokens=7)
    assert not relay.traffic(request_id=request_id, user_id=person.id, model=SONNET, input_tokens=7)
    summary = relay.get("/api/usage/summary", person).json["data"]
    assert (summary["request_count"], summary["input_tokens"]) == (1, 7)


def test_summary_daily_monthly_models(relay, busy):
    person, _, _ = busy
    summary = relay.get("/api/usage/summary", person).json["data"]
    assert summary["request_count"] == summary["total_requests"] == 4
    assert summary["input_tokens"] == 350
    assert summary["output_tokens"] == 65
    assert summary["cache_read_tokens"] == 15
    assert summary["total_tokens"] == 430
    assert summary["total_cost"] == pytest.approx(0.0096)
    assert summary["today"] == {"cost": pytest.approx(0.0096), "tokens": 430, "requests": 4}
    assert summary["model_count"] == 2
    relay.env()
    from relay import clock  # noqa: PLC0415

    today = clock.day()
    daily = relay.get("/api/usage/daily", person, query={"start_date": clock.shift_day(today, -2),
                                                          "end_date": today}).json["data"]
    assert [d["date"] for d in daily] == [clock.shift_day(today, -2), clock.shift_day(today, -1), today]
    assert [d["request_count"] for d in daily] == [0, 0, 4]
    monthly = relay.get("/api/usage/monthly", person, query={"month": clock.month()}).json["data"]
    assert (monthly["month"], monthly["request_count"]) == (clock.month(), 4)
    models = relay.get("/api/usage/models", person).json["data"]
    assert [(m["model"], m["request_count"], m["error_count"]) for m in models] == [(SONNET, 3, 1), (HAIKU, 1, 0)]
    stats = relay.get("/api/usage/stats", person).json["data"]
    assert stats["request_count"] == 4
    assert len(stats["stats"]) == 31
    db = relay.get("/api/usage/db/summary", person).json["data"]
    assert (db["total_requests"], db["today_requests"]) == (4, 4)
    assert [d["date"] for d in relay.get("/api/usage/db/daily", person).json["data"]["daily"]] == [today]
    assert len(relay.get("/api/usage/db/models", person).json["data"]["models"]) == 2


def test_records_are_the_callers_newest_first(relay, busy):
    person, _key, _ = busy
    first = relay.get("/api/usage/records", person, query={"page": 1, "page_size": 3}).json["data"]
    assert (first["total"], first["page_size"], len(first["items"])) == (4, 3, 3)
    assert first["items"][0]["model"] == HAIKU, "newest first"
    second = relay.get("/api/usage/records", person, query={"page": 2, "page_size": 3}).json["data"]
    assert [r["model"] for r in second["items"]] == [SONNET]
    only = relay.get("/api/usage/records", person, query={"model": HAIKU}).json["data"]
    assert only["total"] == 1
    row = first["items"][0]
    assert {"request_time", "timestamp", "input_tokens", "cache_read_input_tokens", "total_cost"} <= set(row)
    assert relay.get("/api/usage/records", relay.person()).json["data"]["total"] == 0


def test_bad_dates_are_400(relay, user):
    assert relay.get("/api/usage/daily", user, query={"start_date": "2026-13-01", "end_date": "2026-01-01"}).status \
        == 400
    assert relay.get("/api/usage/daily", user, query={"start_date": "2026-02-01", "end_date": "2026-01-01"}).status \
        == 400
    assert relay.get("/api/usage/daily", user, query={"start_date": "2020-01-01", "end_date": "2026-01-01"}).status \
        == 400
    assert relay.get("/api/usage/monthly", user, query={"month": "2026-13"}).status == 400


def test_admin_views_of_a_user_and_of_everyone(relay, admin, busy):
    person, key, held = busy
    summary = relay.get(f"/api/admin/users/{person.id}/usage/summary", admin).json["data"]
    assert summary["total_requests"] == 4
    assert {m["model"] for m in summary["model_usage"]} == {SONNET, HAIKU}
    package = next(p for p in summary["package_usage"] if p["id"] == held["id"])
    assert package["quota_used"] == pytest.approx(0.0096)
    assert package["quota_remain"] == pytest.approx(10 - 0.0096)
    db = relay.get(f"/api/admin/users/{person.id}/usage/db", admin).json["data"]
    assert db["total_requests"] == 4
    records = relay.get(f"/api/admin/users/{person.id}/usage/records", admin, query={"page_size": 2}).json["data"]
    assert (records["total"], records["user_id"], len(records["items"])) == (4, person.id, 2)
    everyone = relay.get("/api/admin/logs/usage-summary", admin).json["data"]
    assert everyone["total_requests"] >= 4
    assert any(u["user_id"] == person.id and u["request_count"] == 4 for u in everyone["users"])
    logs = relay.get("/api/admin/logs", admin, query={"user_id": person.id}).json["data"]
    assert logs["total"] == 4
    failed = relay.get("/api/admin/logs", admin, query={"user_id": person.id, "status": "error"}).json["data"]
    assert [r["status_code"] for r in failed["items"]] == [502]
    by_key = relay.get(f"/api/admin/api-keys/{key['id']}/logs", admin).json["data"]
    assert by_key["total"] == 4
    summary_all = relay.get("/api/admin/logs/summary", admin).json["data"]
    assert summary_all["failed_requests"] >= 1
    assert summary_all["avg_duration"] > 0


def test_package_spend_is_the_current_periods_counter(relay, admin, busy):
    person, _, held = busy
    mine = relay.get("/api/my-packages", person).json["data"]
    row = next(p for p in mine if p["id"] == held["id"])
    assert row["quota_used"] == pytest.approx(0.0096)
    assert row["daily_used"] == pytest.approx(0.0096)
    corrected = relay.put(f"/api/admin/user-packages/{held['id']}", admin, {"quota_used": 10})
    assert corrected.json["data"]["status"] == "exhausted"
    assert relay.get("/api/my-packages/active", person).json["data"] == []


def test_account_load(relay, admin):
    account = relay.post("/api/admin/accounts", admin, {"name": "load-1", "type": "claude-console",
                                                        "api_key": "sk-ant-load"}).json["data"]
    person = relay.person()
    relay.traffic(user_id=person.id, account_id=account["id"], model=SONNET, input_tokens=10, success=False)
    relay.traffic(user_id=person.id, account_id=account["id"], model=SONNET, input_tokens=10)
    rows = relay.get("/api/admin/logs/account-load", admin).json["data"]
    row = next(r for r in rows if r["account_id"] == account["id"])
    assert (row["request_count"], row["success_count"], row["error_count"]) == (2, 1, 1)
    listed = relay.get(f"/api/admin/accounts/{account['id']}", admin).json["data"]
    assert (listed["today_count"], listed["today_tokens"]) == (2, 20)
