"""kook through the local stack (`make dev`) over real HTTP: every route is wired through the gateway, and one
scenario walks auth, accounts, bots, mappings, smart mapping, logs, system, backups, the backup schedule and
updates against fake KOOK/Discord/Telegram/Feishu/GitHub servers."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from devstack.fake_provider import FakeProvider
from devstack.template import open_suite
from tests.support.devstack_process import DevStackProcess
from tests.support.lambda_events import REPO_ROOT

PUBLIC = {("GET", "/health"), ("GET", "/"), ("POST", "/api/auth/login"), ("POST", "/api/auth/verify"),
          ("POST", "/auth/login"), ("POST", "/auth/setup"), ("GET", "/auth/status"), ("POST", "/auth/reset-password"),
          ("GET", "/api/password-reset/check-email-config"), ("POST", "/api/password-reset/send-code"),
          ("POST", "/api/password-reset/verify-code"), ("POST", "/api/password-reset/reset-password"),
          ("GET", "/openapi.json"), ("GET", "/swagger"),
          ("POST", "/kook/webhook/{account_id}")}  # KOOK's webhook: checked by its verify_token instead
TG_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.fixture(scope="module")
def fake():
    with FakeProvider() as provider:
        yield provider


@pytest.fixture(scope="module")
def stack(tmp_path_factory, fake):
    overrides = []
    for name in ("KOOK", "DISCORD", "TELEGRAM", "FEISHU", "GITHUB_API"):
        overrides += ["--env", f"{name}_BASE_URL={fake.url}"]
    process = DevStackProcess(REPO_ROOT / "template.yaml", tmp_path_factory.mktemp("kook"), "--only", "kook",
                              "--no-schedules", *overrides).start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def base(stack):
    return stack.url("kook")


def test_every_route_is_wired_and_protected(base):
    suite = open_suite(REPO_ROOT / "template.yaml")
    routes = sorted({(r.method, r.path) for f in suite.stack("kook").functions() for r in f.routes})
    assert len(routes) == 90  # the original's trailing-slash forms are no routes of their own (suite.api)
    for method, path in routes:
        if (method, path) in PUBLIC:
            continue
        concrete = re.sub(r"\{\w+\}", "1", path)
        answer = requests.request(method, base + concrete, json={} if method in ("POST", "PUT") else None,
                                  timeout=30)
        assert answer.status_code == 401, (method, path, answer.text)
        assert answer.json()["error_code"] in ("AUTH_FAILED", "INVALID_TOKEN")
    assert requests.post(base + "/kook/webhook/1", json={}, timeout=30).status_code == 404  # no such account
    assert requests.get(base + "/health", timeout=30).json() == {"status": "healthy"}
    assert requests.get(base + "/api/nothing-here", timeout=30).status_code == 404


def test_management_scenario(base, stack, fake):
    session = requests.Session()
    setup = session.post(base + "/auth/setup", json={"password": "admin-pass-1"}, timeout=30)
    assert setup.status_code == 200
    login = session.post(base + "/api/auth/login", json={"password": "admin-pass-1"}, timeout=30).json()
    assert login["expires_in"] == 2592000
    session.headers["X-API-Token"] = login["token"]

    # The original backend's test_concurrent_requests: 50 requests at once, every one answered (the local stack
    # queues what exceeds a function's concurrency, as Lambda would scale out).
    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(lambda _n: requests.get(base + "/api/system/status", timeout=60,
                                                         headers={"X-API-Token": login["token"]}).status_code,
                                 range(50)))
    assert statuses == [200] * 50

    fake.respond(json={"code": 0, "data": {"items": [{"id": "9", "name": "公会", "icon": ""}],
                                           "meta": {"page": 1, "page_total": 1}}}, path="/api/v3/guild/list")
    fake.respond(json={"code": 0, "data": {"items": [{"id": "91", "name": "公告", "type": 1}],
                                           "meta": {"page": 1, "page_total": 1}}}, path="/api/v3/channel/list")
    account = session.post(base + "/api/accounts", json={"email": "u@example.com", "cookie": "auth=abc"},
                           timeout=30).json()["account_id"]
    assert session.get(base + "/api/accounts/", timeout=30).json()["data"][0]["id"] == account
    assert session.get(f"{base}/api/accounts/{account}/servers", timeout=30).json()["servers"][0]["id"] == "9"
    channels = session.get(f"{base}/api/accounts/{account}/servers/9/channels", timeout=30).json()["channels"]
    assert channels[0]["name"] == "公告"

    fake.respond(json={"id": "1"}, path="/api/webhooks/")
    discord = session.post(base + "/api/bots", json={"platform": "discord", "name": "announcements", "config": {
        "webhook_url": f"{fake.url}/api/webhooks/123456789012345678/{'t' * 40}"}}, timeout=30).json()["bot_id"]
    tested = session.post(f"{base}/api/bots/{discord}/test", timeout=30).json()
    assert tested["success"] is True
    assert tested["latency_ms"] >= 0
    assert any(r.path.startswith("/api/webhooks/123456789012345678/") for r in fake.requests)

    matched = session.post(base + "/api/smart-mapping/auto-match", json={"account_id": account,
                                                                          "platform": "discord"}, timeout=30).json()
    assert matched["mappings"][0]["confidence"] == 0.95
    saved = session.post(base + "/api/smart-mapping/apply", json={"mappings": matched["mappings"]}, timeout=30)
    assert saved.json()["success_count"] == 1
    mapping = session.get(base + "/api/mappings/", timeout=30).json()["data"][0]  # the original's slash form
    assert session.put(f"{base}/api/mappings/{mapping['id']}/toggle", timeout=30).json()["enabled"] == 0

    assert session.get(base + "/api/logs/", timeout=30).json() == {"success": True, "data": [], "total": 0,
                                                                   "page": 1, "limit": 100}
    assert session.get(base + "/api/logs/stats?period=week", timeout=30).json()["total"] == 0

    assert session.post(base + "/api/system/stop", timeout=30).json()["service_running"] is False
    status = session.get(base + "/api/system/status", timeout=30).json()
    assert (status["service_running"], status["account_count"], status["bot_count"], status["mapping_count"]) == (
        False, 1, 1, 1)

    created = session.post(base + "/api/backup/create", timeout=30).json()
    assert created["backup_id"].startswith("backup_")
    session.delete(f"{base}/api/mappings/{mapping['id']}", timeout=30)
    restored = session.post(base + "/api/backup/restore", json={"backup_id": created["backup_id"]}, timeout=30)
    assert restored.json()["restored"]["mappings"] == 1
    assert len(session.get(base + "/api/mappings", timeout=30).json()["data"]) == 1
    fired = stack.fire("kook.BackupScheduleFunction.Daily")
    assert fired["error"] is None
    assert fired["result"]["backup_id"].startswith("backup_")
    kinds = {b["kind"] for b in session.get(base + "/api/backup/list", timeout=30).json()["data"]}
    assert kinds == {"manual", "auto"}

    fake.respond(json={"tag_name": "v1.12.0", "body": "notes", "html_url": "https://example.com/r", "assets": []},
                 path="/repos/gfchfjh/CSBJJWT/releases/latest")
    update = session.get(base + "/api/updates/check", timeout=30).json()
    assert update["latest_version"] == "1.12.0"
    assert update["update_available"] is True

    changed = session.post(base + "/api/auth/change-password",
                           json={"old_password": "admin-pass-1", "new_password": "admin-pass-2"}, timeout=30)
    assert changed.status_code == 200
    assert session.get(base + "/api/accounts", timeout=30).status_code == 401
    assert stack.logs().count("Traceback") == 0
