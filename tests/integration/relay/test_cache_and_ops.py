"""The runtime state admins see and clear, the monitor, the relay's own logs (CloudWatch Logs) and the
operation log listing."""

from __future__ import annotations

import time

import pytest

from suite import aws


@pytest.fixture
def state(relay):
    relay.env("relay.AdminTrafficFunction")
    from relay.store import state as store  # noqa: PLC0415

    return store


def test_sessions_leases_marks_and_clearing(relay, admin, state):
    relay.post("/api/admin/cache/clear", admin, {"type": "all"})
    account = relay.post("/api/admin/accounts", admin, {"name": "c1", "type": "openai", "api_key": "k"}).json["data"]
    person = relay.person()
    state.put_session("s-a", account_id=account["id"], user_id=person.id, api_key_id=7, ttl=600)
    state.put_session("s-b", account_id=account["id"], user_id=person.id, api_key_id=8, ttl=600)
    state.put_lease(f"U#{person.id}", "r1", ttl=300)
    state.put_lease(f"A#{account['id']}", "r1", ttl=300)
    state.mark_unavailable(account["id"], "testing", 60)
    stats = relay.get("/api/admin/cache/stats", admin).json["data"]
    assert (stats["session_count"], stats["unavailable_count"], stats["lease_count"]) == (2, 1, 2)
    sessions = relay.get("/api/admin/cache/sessions", admin, query={"account_id": account["id"]}).json["data"]
    assert sessions["total"] == 2
    assert {"session_id", "remaining_ttl", "api_key_id"} <= set(sessions["sessions"][0])
    accounts = relay.get("/api/admin/cache/accounts", admin).json["data"]["accounts"]
    row = next(a for a in accounts if a["account_id"] == account["id"])
    assert (row["session_count"], row["concurrency"]) == (2, 1)
    users = relay.get("/api/admin/cache/users", admin).json["data"]["users"]
    assert next(u for u in users if u["user_id"] == person.id)["concurrency"] == 1
    concurrency = relay.get(f"/api/admin/users/{person.id}/concurrency", admin).json["data"]
    assert (concurrency["current"], concurrency["limit"]) == (1, 10)
    assert relay.delete(f"/api/admin/users/{person.id}/concurrency", admin).json["data"]["current"] == 0
    assert relay.delete("/api/admin/cache/sessions/s-a", admin).status == 200
    assert relay.delete("/api/admin/cache/sessions/s-a", admin).status == 404
    assert relay.delete("/api/admin/cache/api-keys/8", admin).json["data"]["sessions"] == 1
    state.put_session("s-c", account_id=account["id"], user_id=person.id, api_key_id=9, ttl=600)
    assert relay.delete(f"/api/admin/cache/users/{person.id}", admin).json["data"]["sessions"] == 1
    cleared = relay.post("/api/admin/cache/clear", admin, {"type": "all"}).json["data"]["cleared"]
    assert cleared["unavailable"] == 1
    assert relay.get("/api/admin/cache/stats", admin).json["data"]["total_key_count"] == 0
    assert relay.post("/api/admin/cache/clear", admin, {"type": "everything"}).status == 400


def test_expired_state_is_not_shown(relay, admin, state, monkeypatch):
    relay.post("/api/admin/cache/clear", admin, {"type": "all"})
    state.put_session("old", account_id=1, user_id=1, api_key_id=1, ttl=1)
    from relay import clock  # noqa: PLC0415

    later = clock.now() + 5
    monkeypatch.setattr(clock, "now", lambda: later)
    assert relay.get("/api/admin/cache/sessions", admin).json["data"]["total"] == 0, \
        "TTL deletes lazily: expired items must not be shown"


def test_cache_config(relay, admin):
    config = relay.get("/api/admin/cache/config", admin).json["data"]
    assert config == {"session_ttl": 30, "session_renewal_ttl": 14, "unavailable_ttl": 300, "concurrency_ttl": 300,
                      "default_concurrency_max": 10}
    changed = relay.put("/api/admin/cache/config", admin, {"session_ttl": 60}).json["data"]
    assert changed["session_ttl"] == 60
    relay.put("/api/admin/cache/config", admin, {"session_ttl": 30})


def test_monitor_sections(relay, admin):
    relay.traffic(user_id=relay.person().id, model="gpt-4.1", input_tokens=3, input_cost=0.01)
    everything = relay.get("/api/admin/monitor", admin).json["data"]
    assert {"system", "cache", "mysql", "accounts", "users", "today_usage", "total_usage"} <= set(everything)
    assert everything["today_usage"]["request_count"] >= 1
    assert everything["mysql"]["table_count"] == 4
    assert relay.get("/api/admin/monitor/users", admin).json["data"]["total"] >= 1
    assert relay.get("/api/admin/monitor/today", admin).json["data"]["total_cost"] > 0
    for part in ("system", "cache", "mysql", "accounts"):
        assert relay.get(f"/api/admin/monitor/{part}", admin).status == 200


def test_system_logs_from_cloudwatch_logs(relay, admin):
    env = relay.env("relay.AdminTrafficFunction")
    groups = dict(pair.split("=", 1) for pair in env["RELAY_LOG_GROUPS"].split(","))
    group = groups["Auth"]
    logs = aws.client("logs")
    if group not in [g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]]:
        logs.create_log_group(logGroupName=group)
    now_ms = int(time.time() * 1000)
    from relay import clock  # noqa: PLC0415

    today = clock.day()
    stream = today.replace("-", "/") + "/[$LATEST]abc"
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    logs.put_log_events(logGroupName=group, logStreamName=stream,
                        logEvents=[{"timestamp": now_ms + n, "message": f"line {n}"} for n in range(5)])
    old_day = clock.shift_day(today, -3)
    old_stream = old_day.replace("-", "/") + "/[$LATEST]old"
    logs.create_log_stream(logGroupName=group, logStreamName=old_stream)
    files = relay.get("/api/admin/system-logs/files", admin, query={"category": "Auth"}).json["data"]
    assert {f["name"] for f in files["files"]} >= {f"Auth/{today}", f"Auth/{old_day}"}
    assert "Auth" in files["categories"]
    read = relay.get("/api/admin/system-logs/read", admin, query={"file": f"Auth/{today}", "offset": 1,
                                                                  "limit": 2}).json["data"]
    assert read["lines"] == ["line 1", "line 2"]
    assert read["total_lines"] == 5
    tail = relay.get("/api/admin/system-logs/tail", admin, query={"file": f"Auth/{today}", "lines": 2}).json["data"]
    assert tail["lines"] == ["line 3", "line 4"]
    download = relay.get("/api/admin/system-logs/download", admin, query={"file": f"Auth/{today}"})
    assert download.headers["content-type"].startswith("text/plain")
    assert download.text.splitlines() == [f"line {n}" for n in range(5)]
    assert relay.delete("/api/admin/system-logs/file", admin, query={"file": f"Auth/{today}"}).status == 400
    assert relay.delete("/api/admin/system-logs/file", admin, query={"file": f"Auth/{old_day}"}).json["data"][
        "deleted"] == 1
    assert relay.get("/api/admin/system-logs/read", admin, query={"file": "Other/2026-01-01"}).status == 404
    assert relay.get("/api/admin/system-logs/read", admin, query={"file": "../etc/passwd"}).status == 400


def test_operation_logs_listing_stats_and_cleanup(relay, admin):
    relay.post("/api/admin/packages", admin, {"name": "oplog-pkg", "type": "quota"})
    listed = relay.get("/api/admin/operation-logs", admin, query={"module": "packages"}).json["data"]
    entry = listed["items"][0]
    assert (entry["module"], entry["action"], entry["username"]) == ("packages", "create", admin.username)
    assert entry["after"]["name"] == "oplog-pkg"
    assert relay.get(f"/api/admin/operation-logs/{entry['id']}", admin).json["data"]["id"] == entry["id"]
    assert relay.get("/api/admin/operation-logs/999999", admin).status == 404
    stats = relay.get("/api/admin/operation-logs/stats", admin).json["data"]
    assert any(m["module"] == "packages" for m in stats["by_module"])
    cleaned = relay.delete("/api/admin/operation-logs/cleanup", admin, query={"days": 7}).json["data"]
    assert cleaned["deleted"] == 0, "nothing is older than a week"
    by_user = relay.get("/api/admin/operation-logs", admin, query={"user_id": admin.id}).json["data"]
    assert by_user["total"] >= 2
