"""Logs: rows keyed per (message, target) written through store.logs.record_delivery (the pipeline's entry
point), stats that come from counters and equal the rows, paging and filters, trend, export, clearing, TTL."""

import csv
import datetime as dt
import io
import random
import threading
from collections import Counter

from kook import clock
from kook.store import logs
from kook.store.logs import Delivery
from suite import dynamo

PLATFORMS = ("discord", "telegram", "feishu")


def deliver(message, target, status, *, platform="discord", channel="chan-1", latency=None, at=None, **extra):
    return logs.record_delivery(Delivery(kook_message_id=message, target=str(target), status=status,
                                         target_platform=platform, kook_channel_id=channel, latency_ms=latency,
                                         content=f"内容 {message}", sender_name="用户A", target_channel="dc-1",
                                         **extra), at=at)


def rows_by_scanning_the_index(days: int) -> list[dict]:
    """The ground truth: every retained row of the last `days` days, read row by row (no counters)."""
    return list(logs.iter_rows(days=logs.recent_days(days)))


def expected_stats(rows: list[dict]) -> dict:
    counts = Counter(r["status"] for r in rows)
    latencies = [r["latency_ms"] for r in rows if r["status"] == "success" and r.get("latency_ms") is not None]
    by_platform = dict.fromkeys(PLATFORMS, 0) | Counter(r["target_platform"] for r in rows)
    total = len(rows)
    return {"total": total, "success": counts["success"], "failed": counts["failed"], "pending": counts["pending"],
            "success_rate": round(counts["success"] * 100 / total, 1) if total else 0.0,
            "avg_latency_ms": round(sum(latencies) / len(latencies)) if latencies else 0,
            "by_platform": by_platform}


def same_day_earlier(moment: dt.datetime, **delta) -> dt.datetime:
    """`moment` minus `delta`, but never before the start of its stats day, so a row meant for "today" stays in
    today even when the suite runs just after midnight in the display offset."""
    return max(moment - dt.timedelta(**delta), clock.start_of_day(moment))


def write_random_history(seed: int = 7) -> None:
    """Deliveries over the last 40 days with the pipeline's real life: pending first, retries, failures that
    later succeed, repeated reports of the same outcome, several targets per message."""
    rng = random.Random(seed)
    now = clock.now()
    for number in range(40):
        days_back = now - dt.timedelta(days=rng.choice([0, 0, 0, 1, 2, 5, 6, 8, 15, 29, 31, 40]))
        at = same_day_earlier(days_back, minutes=rng.randint(0, 600))
        for target in range(rng.randint(1, 3)):
            platform = rng.choice(PLATFORMS)
            message, channel = f"msg-{number}", f"chan-{number % 4}"
            deliver(message, target, "pending", platform=platform, channel=channel, at=at)
            for _step in range(rng.randint(0, 3)):
                status = rng.choice(["success", "failed", "failed", "success"])
                deliver(message, target, status, platform=platform, channel=channel,
                        latency=rng.randint(50, 3000) if status == "success" else None, at=at,
                        error_message="HTTP 500" if status == "failed" else None)


def test_stats_come_from_counters_and_equal_the_rows_written(api):
    write_random_history()
    for period, days in (("today", 1), ("week", 7), ("month", 30)):
        rows = rows_by_scanning_the_index(days)
        assert rows, "the generated history must reach every period"
        answer = api.get("/api/logs/stats", query=f"period={period}").body
        assert {k: answer[k] for k in expected_stats(rows)} == expected_stats(rows), period
        assert {"total", "success", "failed", "success_rate", "avg_latency_ms", "by_platform"} <= set(answer)

    retained = rows_by_scanning_the_index(logs.retention_days() + 1)
    assert api.get("/api/logs", query="limit=1").body["total"] == len(retained)
    for status in ("success", "failed", "pending"):
        for platform in PLATFORMS:
            expected = sum(1 for r in retained if r["status"] == status and r["target_platform"] == platform)
            body = api.get("/api/logs", query=f"limit=1&status={status}&platform={platform}").body
            assert body["total"] == expected, (status, platform)
    today = rows_by_scanning_the_index(1)
    hours = logs.hour_counters([clock.day(clock.now())])
    assert sum(v for item in hours.values() for k, v in item.items() if k.startswith("n_")) == len(today)


def test_pages_over_many_days_are_the_rows_in_order_and_query_only_days_with_rows(api, monkeypatch):
    write_random_history(seed=11)
    retained = rows_by_scanning_the_index(logs.retention_days() + 1)
    queried_days = []
    real_iter_rows = logs.iter_rows

    def recording_iter_rows(**kwargs):
        for row in real_iter_rows(**kwargs):
            queried_days.append(row["day"])  # the day queried to give this row
            yield row
        queried_days.extend(kwargs["days"])  # read to the end: every day it was given was queried

    monkeypatch.setattr(logs, "iter_rows", recording_iter_rows)
    for status, limit in ((None, 9), ("failed", 4)):
        expected = [f"{r['kook_message_id']}:{r['target']}" for r in retained if not status or r["status"] == status]
        seen, page = [], 1
        while True:
            query = f"page={page}&limit={limit}" + (f"&status={status}" if status else "")
            body = api.get("/api/logs", query=query).body
            assert body["total"] == len(expected)
            if not body["data"]:
                break
            seen += [r["id"] for r in body["data"]]
            page += 1
        assert seen == expected, (status, limit)
    assert queried_days
    assert set(queried_days) <= {r["day"] for r in retained}  # a day without rows is never queried


class SerializedTransactions:
    """DynamoDB runs each transaction atomically; moto does not (it snapshots and restores whole tables without a
    lock). This wrapper gives moto DynamoDB's guarantee, so the test exercises the race that matters: two writers
    reading the same row revision and both trying to commit."""

    def __init__(self, client):
        self._client = client
        self._lock = threading.Lock()

    def transact_write_items(self, **kwargs):
        with self._lock:
            return self._client.transact_write_items(**kwargs)

    def __getattr__(self, name):
        return getattr(self._client, name)


def test_concurrent_reports_of_the_same_deliveries_keep_counters_exact(api, monkeypatch):
    serialized = SerializedTransactions(dynamo.client())
    monkeypatch.setattr(dynamo, "client", lambda: serialized)
    errors = []

    def worker(seed):
        rng = random.Random(seed)
        try:
            for _ in range(10):
                target = rng.randint(0, 2)
                status = rng.choice(["pending", "success", "failed"])
                deliver("shared-msg", target, status, platform=PLATFORMS[target],
                        latency=rng.randint(1, 999) if status == "success" else None)
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    rows = rows_by_scanning_the_index(1)
    assert len(rows) == 3  # one row per (message, target), however often it was reported
    answer = api.get("/api/logs/stats", query="period=today").body
    assert {k: answer[k] for k in expected_stats(rows)} == expected_stats(rows)


def test_rows_are_keyed_per_message_and_target(api):
    deliver("m1", 1, "pending")
    deliver("m1", 2, "pending", platform="telegram")
    row = deliver("m1", 1, "success", latency=120)
    assert (row["pk"], row["sk"]) == ("MSG#m1", "TARGET#1")
    assert row["attempts"] == 2
    assert row["revision"] == 2
    assert logs.delivery("m1", "1")["status"] == "success"
    assert len(api.get("/api/logs").body["data"]) == 2


def test_list_shape_filters_and_paging(api):
    now = clock.now()
    for index in range(5):
        deliver(f"m{index}", 1, "success", latency=100 + index, at=now - dt.timedelta(minutes=index))
    deliver("f1", 1, "failed", platform="telegram", channel="chan-9", error_message="chat not found")
    body = api.get("/api/logs", query="limit=2&page=1").body
    assert body["total"] == 6
    assert body["page"] == 1
    assert len(body["data"]) == 2
    first = body["data"][0]
    assert set(first) >= {"id", "kook_message_id", "kook_channel_id", "content", "message_type", "sender_name",
                          "target_platform", "target_channel", "status", "error_message", "latency_ms", "created_at"}
    assert first["kook_message_id"] == "f1"  # newest first
    page3 = api.get("/api/logs", query="limit=2&page=3").body["data"]
    assert [r["kook_message_id"] for r in page3] == ["m3", "m4"]
    failed = api.get("/api/logs", query="status=failed").body
    assert failed["total"] == 1
    assert failed["data"][0]["error_message"] == "chat not found"
    assert api.get("/api/logs/", query="platform=discord").body["total"] == 5
    by_channel = api.get("/api/logs", query="channel_id=chan-9").body
    assert by_channel["total"] == 1
    assert by_channel["data"][0]["target_platform"] == "telegram"
    assert api.get("/api/logs", query="status=weird").status == 400


def test_expired_rows_are_neither_listed_nor_counted(api):
    api.setenv("LOG_RETENTION_DAYS", "3")
    deliver("old", 1, "success", latency=5, at=clock.now() - dt.timedelta(days=5))  # TTL passed, not yet deleted
    deliver("new", 1, "success", latency=5)
    assert api.get("/api/logs").body["total"] == 1
    assert api.get("/api/logs/stats", query="period=week").body["total"] == 1


def test_retention_is_configurable(api):
    api.setenv("LOG_RETENTION_DAYS", "3")
    row = deliver("r1", 1, "pending")
    end_of_day = clock.start_of_day(clock.now()) + dt.timedelta(days=1)
    assert row["expires_at"] == int((end_of_day + dt.timedelta(days=3)).timestamp())
    api.post("/api/system/system-config", {"log_retention_days": 10})
    row = deliver("r2", 1, "pending")
    assert row["expires_at"] == int((end_of_day + dt.timedelta(days=10)).timestamp())
    counter = logs.day_counters([clock.day(clock.now())])[clock.day(clock.now())]
    assert counter["expires_at"] == int((end_of_day + dt.timedelta(days=3)).timestamp())  # set by its first row


def test_clear_deletes_old_rows_and_their_counts(api):
    write_random_history(seed=3)
    answer = api.post("/api/logs/clear", query="days=7").body
    assert answer["deleted"] > 0
    assert answer["complete"] is True
    cutoff = clock.now() - dt.timedelta(days=7)
    remaining = rows_by_scanning_the_index(40)
    assert remaining
    assert all(clock.parse(r["created_at"]) >= cutoff for r in remaining)
    for period, days in (("today", 1), ("week", 7), ("month", 30)):
        rows = rows_by_scanning_the_index(days)
        answer = api.get("/api/logs/stats", query=f"period={period}").body
        assert {k: answer[k] for k in expected_stats(rows)} == expected_stats(rows)
    alias = api.post("/api/system/cleanup-logs", {"days": 0}).body
    assert alias["deleted"] == len(remaining)
    assert api.get("/api/logs/stats", query="period=month").body["total"] == 0


def test_platform_stats_and_trend(api):
    now = clock.now()
    deliver("a", 1, "success", latency=100)
    deliver("b", 1, "failed", platform="telegram")
    deliver("c", 1, "success", platform="telegram", latency=300, at=same_day_earlier(now, hours=2))
    platforms = api.get("/api/logs/stats/platforms").body["platforms"]
    assert platforms["telegram"]["total"] == 2
    assert platforms["telegram"]["success_rate"] == 50.0
    assert platforms["discord"]["avg_latency_ms"] == 100
    assert platforms["feishu"]["total"] == 0
    trend = api.get("/api/logs/stats/trend", query="hours=24").body
    assert len(trend["hours"]) == len(trend["counts"]) == 24
    assert sum(trend["counts"]) == 3
    assert trend["counts"][-1] >= 2
    assert trend["hours"][-1] == f"{clock.hour(now)}:00"


def test_exports(api):
    deliver("e1", 1, "success", latency=10)
    deliver("e2", 1, "failed", error_message="=HYPERLINK(\"x\")")
    exported = api.get("/api/logs/export/csv")
    assert exported.status == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(exported.body.lstrip("\ufeff"))))
    assert [r["kook_message_id"] for r in table] == ["e2", "e1"]
    assert table[0]["error_message"].startswith("'=")  # no spreadsheet formulas
    as_json = api.get("/api/logs/export/json", query="status=success")
    assert as_json.body["count"] == 1
    assert as_json.body["logs"][0]["kook_message_id"] == "e1"
