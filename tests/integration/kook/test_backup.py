"""Backups: the round trip (back up, empty the tables, restore, same configuration, secrets still usable and
never in the object), merge vs replace, listing, files, deletion, and the scheduled backup with retention."""

import datetime as dt
import importlib
import json

from kook import clock
from kook.store import accounts as account_store
from kook.store import bots as bot_store
from kook.store import mappings as mapping_store
from suite import aws
from tests.support.lambda_events import FakeLambdaContext, load_event
from tests.support.moto_stack import wipe_tables

TG_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
COOKIE_SECRET = "cookie-secret-value-for-backup-test"
FEISHU_SECRET = "feishu-secret-value-for-backup-test"


def configure(api, fake):
    account = api.post("/api/accounts", {"email": "user@example.com", "cookie": f"auth={COOKIE_SECRET}",
                                         "password": "kook-password-value"}).body["account_id"]
    api.post(f"/api/accounts/{account}/start")
    telegram = api.post("/api/bots", {"platform": "telegram", "name": "TG", "config": {
        "bot_token": TG_TOKEN, "chat_id": "-1001234567890"}}).body["bot_id"]
    feishu = api.post("/api/bots", {"platform": "feishu", "name": "飞书", "config": {
        "app_id": "cli_a1b2c3", "app_secret": FEISHU_SECRET, "chat_id": "oc_1234"}}).body["bot_id"]
    api.post("/api/mappings/batch", {"mappings": [
        {"kook_server_id": "1", "kook_channel_id": "c1", "kook_channel_name": "公告", "target_bot_id": telegram},
        {"kook_server_id": "1", "kook_channel_id": "c1", "target_bot_id": feishu, "target_channel_id": "oc_1234"},
        {"kook_server_id": "1", "kook_channel_id": "c2", "target_bot_id": telegram, "enabled": 0}]})
    api.post("/api/system/filter-rules", {"keyword_blacklist": ["广告"], "keyword_filter_enabled": True})
    api.post("/api/system/system-config", {"image_strategy": "direct"})
    return telegram


def configuration(api):
    return {path: api.get(path).body for path in ("/api/accounts", "/api/bots", "/api/mappings",
                                                  "/api/system/filter-rules", "/api/system/system-config")}


def object_text(kind, backup_id, env):
    body = aws.client("s3").get_object(Bucket=env["BACKUP_BUCKET"], Key=f"{kind}/{backup_id}.json")["Body"].read()
    return body.decode("utf-8")


def test_backup_wipe_restore_gives_back_the_same_configuration(api, fake, moto_stack, kook_env):
    telegram = configure(api, fake)
    before = configuration(api)
    created = api.post("/api/backup/create").body
    assert created["backup_id"].startswith("backup_")
    assert len(created["backup_id"]) == len("backup_20251019_153000")
    assert created["backup_path"] == f"s3://{kook_env['BACKUP_BUCKET']}/manual/{created['backup_id']}.json"
    assert created["size_mb"] > 0
    assert created["counts"] == {"accounts": 1, "bots": 2, "mappings": 3}

    text = object_text("manual", created["backup_id"], kook_env)
    for secret in (COOKIE_SECRET, "kook-password-value", TG_TOKEN, FEISHU_SECRET):
        assert secret not in text
    assert "password_hash" not in text
    assert "kk_" not in text

    wipe_tables(moto_stack, "kook")  # the tables are emptied (the admin password and tokens go too)
    api.post("/auth/setup", {"password": "admin-pass-1"}, token=None)
    api.login()
    assert api.get("/api/bots").body["data"] == []

    restored = api.post("/api/backup/restore", {"backup_id": created["backup_id"], "mode": "replace"})
    assert restored.status == 200, restored.body
    assert restored.body["restored"] == {"accounts": 1, "bots": 2, "mappings": 3}
    assert configuration(api) == before

    # the sealed secrets came back to their owners: they open and work
    fake.respond(json={"ok": True, "result": {"message_id": 1}}, path=f"/bot{TG_TOKEN}/sendMessage")
    assert api.post(f"/api/bots/{telegram}/test").status == 200
    assert fake.requests[-1].path == f"/bot{TG_TOKEN}/sendMessage"
    fake.respond(json={"code": 0, "data": {"items": [], "meta": {"page_total": 1}}}, path="/api/v3/guild/list")
    api.get("/api/accounts/1/servers")
    assert fake.requests[-1].headers["Cookie"] == f"auth={COOKIE_SECRET}"
    # new objects get ids after the restored ones
    new_bot = api.post("/api/bots", {"platform": "telegram", "name": "new", "config": {
        "bot_token": TG_TOKEN, "chat_id": "-100"}}).body["bot_id"]
    assert new_bot > max(b["id"] for b in before["/api/bots"]["data"])
    assert mapping_store.for_channel("c1")
    assert len(mapping_store.for_channel("c1")) == 2


def test_merge_keeps_current_objects_and_skips_collisions(api, fake):
    configure(api, fake)
    backup_id = api.post("/api/backup/create").body["backup_id"]
    first_mapping = mapping_store.list_all()[0]
    api.delete(f"/api/mappings/{first_mapping['id']}")
    api.put(f"/api/mappings/{mapping_store.list_all()[0]['id']}", {"kook_channel_name": "renamed"})
    extra = api.post("/api/bots", {"platform": "telegram", "name": "extra", "config": {
        "bot_token": TG_TOKEN, "chat_id": "-100"}}).body["bot_id"]
    # a new mapping that takes the deleted mapping's target under another id
    api.post("/api/mappings", {**{k: first_mapping[k] for k in ("kook_server_id", "kook_channel_id",
                                                                "target_bot_id", "target_channel_id")}})
    merged = api.post("/api/backup/restore", {"backup_id": backup_id}).body
    assert merged["mode"] == "merge"
    assert merged["skipped"] == [{"type": "mapping", "id": first_mapping["id"], "reason": "已有映射转发到同一目标"}]
    assert bot_store.get(extra) is not None  # merge keeps what the backup does not know
    names = {m["kook_channel_name"] for m in mapping_store.list_all()}
    assert "renamed" not in names  # the backup's version of the mapping won
    assert len(mapping_store.list_all()) == 3


def test_list_download_delete_and_not_found(api, fake):
    configure(api, fake)
    first = api.post("/api/backup/create").body["backup_id"]
    second = api.post("/api/backup/create").body["backup_id"]
    assert second != first  # same second: the next name is used, never an overwrite
    listed = api.get("/api/backup/list").body
    assert listed["total"] == 2
    assert [b["backup_id"] for b in listed["data"]] == sorted([first, second], reverse=True)
    downloaded = api.get(f"/api/backup/download/{first}.json")
    assert downloaded.headers["content-disposition"] == f'attachment; filename="{first}.json"'
    assert downloaded.body["format"] == "kook-forwarder-backup"
    assert api.delete(f"/api/backup/delete/{first}").body["backup_id"] == first
    assert api.get("/api/backup/list").body["total"] == 1
    assert api.post("/api/backup/restore", {"backup_id": first}).status == 404
    assert api.post("/api/backup/restore", {"backup_id": "../../etc/passwd"}).status == 422
    assert api.get("/api/backup/download/..%2Fsecret").status == 400


def test_export_and_import_files(api, fake):
    configure(api, fake)
    exported = api.post("/api/backup/export")
    assert exported.status == 200
    assert "attachment" in exported.headers["content-disposition"]
    document = exported.body
    assert api.get("/api/backup/list").body["total"] == 1
    api.delete(f"/api/bots/{bot_store.list_all()[0]['id']}")
    boundary = "----kookbackup"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"mode\"\r\n\r\nreplace\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b.json\"\r\n"
            f"Content-Type: application/json\r\n\r\n").encode() + json.dumps(document).encode() + \
        f"\r\n--{boundary}--\r\n".encode()
    imported = api.post("/api/backup/import", raw_body=body,
                        headers={"content-type": f"multipart/form-data; boundary={boundary}"})
    assert imported.status == 200
    assert imported.body["mode"] == "replace"
    assert len(bot_store.list_all()) == 2
    assert len(mapping_store.list_all()) == 3
    forged = {**document, "accounts": [{"id": 9, "email": "x@example.com", "sealed": {"cookie": "plain"}}]}
    rejected = api.post("/api/backup/import", forged, query="mode=merge")
    assert rejected.status == 400
    assert rejected.body["error_code"] == "INVALID_PARAM"
    assert account_store.get(9) is None
    assert api.post("/api/backup/import", {"format": "something-else"}).status == 400


def run_schedule(event):
    module = importlib.import_module("kook.handlers.backup_schedule")
    return module.handler(event, FakeLambdaContext(function_name="BackupSchedule"))


def test_scheduled_backup_is_idempotent_per_slot_and_keeps_the_newest(api, fake, kook_env):
    configure(api, fake)
    api.setenv("BACKUP_RETENTION_COUNT", "3")
    event = load_event("kook/backup-schedule.json")
    first = run_schedule(event)
    assert run_schedule(event) == {**first, "pruned": []}  # the same slot twice: one backup
    assert [b["backup_id"] for b in api.get("/api/backup/list").body["data"]] == [first["backup_id"]]
    slot = dt.datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
    for days in range(1, 5):
        run_schedule({**event, "time": (slot - dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")})
    manual = api.post("/api/backup/create").body["backup_id"]
    kinds = [(b["kind"], b["backup_id"]) for b in api.get("/api/backup/list").body["data"]]
    automatic = [backup_id for kind, backup_id in kinds if kind == "auto"]
    assert len(automatic) == 3
    assert automatic[0] == first["backup_id"]
    assert ("manual", manual) in kinds  # manual backups are never pruned
    run_now = api.post("/api/backup/auto-backup", {"keep": 2}).body
    assert run_now["keep"] == 2
    assert len(run_now["pruned"]) == 2
    assert clock.day(clock.now()).replace("-", "") in run_now["backup_id"]
