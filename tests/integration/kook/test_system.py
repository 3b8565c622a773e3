"""System: status counts from the tables, queue depth from SQS, persisted start/stop/restart, cache stats,
filter rules, system config, storage, paths; health component checks; update checks against (fake) GitHub."""

import datetime as dt

from kook import clock
from kook.store import settings
from suite import aws

STATUS_FIELDS = {"service_running", "redis_connected", "queue_size", "account_count", "active_accounts",
                 "bot_count", "mapping_count", "uptime_seconds", "version"}
TG_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
RELEASE = {"tag_name": "v1.12.0", "name": "KOOK Forwarder 1.12.0", "body": "修复若干问题",
           "html_url": "https://github.com/gfchfjh/CSBJJWT/releases/tag/v1.12.0",
           "published_at": "2025-11-01T00:00:00Z",
           "assets": [{"name": "KOOK-Forwarder-1.12.0-Setup.exe", "size": 1000,
                       "browser_download_url": "https://github.com/x/releases/download/v1.12.0/Setup.exe"},
                      {"name": "KOOK-Forwarder-1.12.0.AppImage", "size": 2000,
                       "browser_download_url": "https://github.com/x/releases/download/v1.12.0/app.AppImage"}]}


def test_status_counts_come_from_the_tables(api):
    body = api.get("/api/system/status").body
    assert set(body) >= STATUS_FIELDS
    assert body["account_count"] == 0
    assert body["version"] == "1.11.0"
    account = api.post("/api/accounts", {"email": "a@example.com", "cookie": "auth=1"}).body["account_id"]
    api.post("/api/accounts", {"email": "b@example.com", "cookie": "auth=2"})
    api.post(f"/api/accounts/{account}/start")
    bot = api.post("/api/bots", {"platform": "telegram", "name": "t",
                                 "config": {"bot_token": TG_TOKEN, "chat_id": "-100"}}).body["bot_id"]
    api.post("/api/mappings", {"kook_channel_id": "c1", "target_bot_id": bot})
    body = api.get("/api/system/status").body
    assert (body["account_count"], body["active_accounts"], body["bot_count"], body["mapping_count"]) == (2, 1, 1, 1)
    assert body["redis_connected"] is True
    assert body["queue_size"] == 0


def test_queue_size_is_read_from_sqs(api):
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName="kook-forward-test")["QueueUrl"]
    for index in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=str(index))
    api.setenv("FORWARD_QUEUE_URLS", url)
    body = api.get("/api/system/status").body
    assert body["queue_size"] == 3
    assert body["redis_connected"] is True
    api.setenv("FORWARD_QUEUE_URLS", f"{url},https://sqs.us-east-1.amazonaws.com/123456789012/missing")
    assert api.get("/api/system/status").body["redis_connected"] is False
    check = api.get("/api/health/check").body
    assert check["status"] == "unhealthy"
    assert check["components"]["redis"]["status"] == "down"


def test_start_stop_restart_are_persisted(api):
    stopped = api.post("/api/system/stop").body
    assert stopped["service_running"] is False
    assert stopped["uptime_seconds"] == 0
    assert settings.system_state()["service_running"] is False  # what the ingestion schedules read
    assert api.get("/api/system/status").body["service_running"] is False
    assert api.post("/api/system/start").body["service_running"] is True
    first_start = settings.system_state()["started_at"]
    api.post("/api/system/start")
    assert settings.system_state()["started_at"] == first_start  # starting a running service keeps its uptime
    restarted = api.post("/api/system/restart").body
    assert restarted["message"] == "服务已重启"
    assert settings.system_state()["restart_count"] == 1


def test_health_check_reports_real_components(api):
    body = api.get("/api/health/check").body
    assert body["status"] == "healthy"
    components = body["components"]
    assert components["database"]["status"] == "up"
    assert isinstance(components["database"]["latency_ms"], int)
    assert components["redis"]["status"] == "up"  # the pipeline's four queues, all readable
    assert components["redis"]["queue_size"] == 0
    assert components["worker"]["status"] == "running"
    assert components["scrapers"] == {"total": 0, "active": 0}
    account = api.post("/api/accounts", {"email": "a@example.com", "cookie": "auth=1"}).body["account_id"]
    api.post(f"/api/accounts/{account}/start")
    stale = api.get("/api/health/check").body
    assert stale["status"] == "degraded"
    assert stale["components"]["worker"]["status"] == "stale"
    settings.touch_ingest_heartbeat("webhook")
    fresh = api.get("/api/health/check").body
    assert fresh["status"] == "healthy"
    assert fresh["components"]["scrapers"] == {"total": 1, "active": 1}
    api.post("/api/system/stop")
    assert api.get("/api/health/check").body["components"]["worker"]["status"] == "stopped"
    summary = api.get("/api/health/status").body
    assert summary["service_running"] is False
    assert summary["version"] == "1.11.0"
    assert api.get("/api/system/health").body["components"]["database"]["status"] == "up"


def test_filter_rules_round_trip(api):
    defaults = api.get("/api/system/filter-rules").body["rules"]
    assert defaults["keyword_filter_enabled"] is False
    assert defaults["message_types"] == ["text", "image", "file", "link"]
    saved = api.post("/api/system/filter-rules", {"keyword_blacklist": ["广告", " 广告 ", "spam"],
                                                  "keyword_filter_enabled": True,
                                                  "user_blacklist": [{"id": "42", "name": "bot"}]}).body["rules"]
    assert saved["keyword_blacklist"] == ["spam", "广告"]
    assert api.get("/api/system/filter-rules").body["rules"] == saved
    assert api.post("/api/system/filter-rules", {"message_types": ["smell"]}).status == 422


def test_system_config_round_trip(api):
    config = api.get("/api/system/system-config").body["config"]
    assert config["image_strategy"] == "smart"
    assert config["log_retention_days"] == 30
    saved = api.post("/api/system/system-config", {"image_strategy": "direct", "log_retention_days": 7}).body["config"]
    assert saved["image_strategy"] == "direct"
    assert saved["log_retention_days"] == 7
    assert api.post("/api/system/system-config", {"log_retention_days": 0}).status == 422


def test_cache_stats_paths_storage_and_config(api):
    stats = api.get("/api/cache/stats").body
    assert set(stats) == {"success", "cache_size", "hit_rate", "miss_rate", "total_hits", "total_misses"}
    paths = api.get("/api/system/paths").body["paths"]
    assert paths["backups"].startswith("s3://")
    api.post("/api/backup/create")
    usage = api.get("/api/system/storage-usage").body
    assert usage["backups"]["count"] == 1
    assert usage["backups"]["size_bytes"] > 0
    config = api.get("/api/system/config").body["config"]
    assert config["static_api_token_enabled"] is False
    assert config["version"] == "1.11.0"
    overview = api.get("/api/system/stats").body
    assert overview["today"]["total"] == 0
    assert "uptime_seconds" in overview
    assert api.post("/api/system/cleanup-images").body["deleted"] == 0


def test_update_check_reads_github_through_the_cache(api, fake):
    fake.respond(json=RELEASE, path="/repos/gfchfjh/CSBJJWT/releases/latest")
    body = api.get("/api/updates/check").body
    assert {k: body[k] for k in ("current_version", "latest_version", "update_available", "release_notes",
                                 "download_url")} == {
        "current_version": "1.11.0", "latest_version": "1.12.0", "update_available": True,
        "release_notes": "修复若干问题", "download_url": RELEASE["html_url"]}
    assert fake.requests[0].headers["Accept"] == "application/vnd.github+json"
    api.get("/api/updates/check")
    assert len(fake.requests) == 1  # cached
    assert api.get("/api/updates/status").body["last_check"] == body["checked_at"]
    assert api.get("/api/updates/latest").body["assets"][0]["name"].endswith(".exe")
    assert api.get("/api/updates/download/linux").body["file_name"].endswith(".AppImage")
    assert api.get("/api/updates/download/macos").status == 404
    assert api.get("/api/updates/download/amiga").status == 400


def test_update_check_uses_the_configured_repository(api, fake):
    api.setenv("UPDATE_REPOSITORY", "someone/fork")
    fake.respond(json={**RELEASE, "tag_name": "v1.0.0"}, path="/repos/someone/fork/releases/latest")
    body = api.get("/api/updates/check", query="refresh=true").body
    assert body["latest_version"] == "1.0.0"
    assert body["update_available"] is False
    fake.respond(status=404, json={"message": "Not Found"}, path="/repos/empty/repo/releases/latest")
    api.setenv("UPDATE_REPOSITORY", "empty/repo")
    assert api.get("/api/updates/check").body["latest_version"] == "1.11.0"


def test_uptime_counts_from_the_last_start(api):
    state = settings.system_state()
    earlier = clock.iso(clock.now() - dt.timedelta(seconds=90))
    settings.dynamo.update(settings.config.get().config_table, "SETTINGS", "system_state", "SET started_at = :t",
                           values={":t": earlier})
    assert state["service_running"] is True
    assert api.get("/api/system/status").body["uptime_seconds"] >= 90
