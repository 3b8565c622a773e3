"""Mappings: one channel to many targets, the hot-path Query by KOOK channel, duplicates refused, batch all or
none, partial update and /toggle, delete, export and import (per-row errors, replace_existing, file upload)."""

import json

from kook.store import mappings as mapping_store

TG_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
DOC_EXAMPLE = {"kook_server_id": "1234567890", "kook_channel_id": "9876543210", "kook_channel_name": "公告频道",
               "target_platform": "telegram", "target_bot_id": None, "target_channel_id": "-1001234567890"}


def bot(api, platform="telegram", chat_id="-1001234567890"):
    config = {"bot_token": TG_TOKEN, "chat_id": chat_id} if platform == "telegram" else {
        "app_id": "cli_a1b2c3", "app_secret": "feishu-app-secret-value", "chat_id": "oc_1234"}
    return api.post("/api/bots", {"platform": platform, "name": platform, "config": config}).body["bot_id"]


def mapping(bot_id, **overrides):
    return {**DOC_EXAMPLE, "target_bot_id": bot_id, **overrides}


def test_add_and_list_in_the_documented_shape(api):
    bot_id = bot(api)
    added = api.post("/api/mappings", mapping(bot_id))
    assert added.status == 200
    assert added.body["mapping_id"] == added.body["data"]["id"]
    listed = api.get("/api/mappings").body["data"]
    assert listed == [{**mapping(bot_id), "id": added.body["mapping_id"], "enabled": 1,
                       "created_at": listed[0]["created_at"], "updated_at": listed[0]["updated_at"]}]


def test_one_channel_maps_to_many_targets_and_the_hot_path_is_one_query(api):
    telegram = bot(api)
    feishu = bot(api, "feishu")
    api.post("/api/mappings", mapping(telegram))
    api.post("/api/mappings", mapping(telegram, target_channel_id="-1009999"))
    api.post("/api/mappings", mapping(feishu, target_platform="feishu", target_channel_id="oc_1234"))
    api.post("/api/mappings", mapping(feishu, kook_channel_id="other", target_platform="feishu"))
    targets = mapping_store.for_channel("9876543210")
    assert sorted((m["target_bot_id"], m["target_channel_id"]) for m in targets) == [
        (telegram, "-1001234567890"), (telegram, "-1009999"), (feishu, "oc_1234")]
    first = targets[0]["id"]
    api.put(f"/api/mappings/{first}", {"enabled": 0})
    assert len(mapping_store.for_channel("9876543210", enabled_only=True)) == 2


def test_platform_comes_from_the_bot_and_must_agree(api):
    bot_id = bot(api)
    without = api.post("/api/mappings", {"kook_channel_id": "c1", "target_bot_id": bot_id})
    assert without.body["data"]["target_platform"] == "telegram"
    wrong = api.post("/api/mappings", mapping(bot_id, target_platform="discord", kook_channel_id="c2"))
    assert wrong.status == 400
    assert wrong.body["error_code"] == "BOT_CONFIG_INVALID"
    missing = api.post("/api/mappings", mapping(999))
    assert missing.status == 400
    assert missing.body["error_code"] == "BOT_NOT_FOUND"


def test_the_same_target_twice_is_refused(api):
    bot_id = bot(api)
    assert api.post("/api/mappings", mapping(bot_id)).status == 200
    again = api.post("/api/mappings", mapping(bot_id, kook_channel_name="another name"))
    assert again.status == 409
    assert len(api.get("/api/mappings").body["data"]) == 1


def test_batch_is_all_or_none(api):
    bot_id = bot(api)
    rows = [mapping(bot_id, kook_channel_id=f"c{i}") for i in range(3)]
    bad = api.post("/api/mappings/batch", {"mappings": [*rows, mapping(404, kook_channel_id="c9")]})
    assert bad.status == 400
    assert bad.body["details"]["errors"] == [{"index": 3, "error": "target_bot_id 404 不存在"}]
    assert api.get("/api/mappings").body["data"] == []
    twice = api.post("/api/mappings/batch", {"mappings": [rows[0], rows[0]]})
    assert twice.status == 400
    good = api.post("/api/mappings/batch", {"mappings": rows})
    assert good.status == 200
    assert good.body["count"] == 3
    clash = api.post("/api/mappings/batch", {"mappings": [mapping(bot_id, kook_channel_id="c7"), rows[1]]})
    assert clash.status == 409
    assert len(api.get("/api/mappings").body["data"]) == 3  # c7 was not written either


def test_partial_update_and_toggle(api):
    bot_id = bot(api)
    mapping_id = api.post("/api/mappings", mapping(bot_id)).body["mapping_id"]
    updated = api.put(f"/api/mappings/{mapping_id}", {"enabled": 0})
    assert updated.body["data"]["enabled"] == 0
    assert updated.body["data"]["kook_channel_name"] == "公告频道"
    renamed = api.put(f"/api/mappings/{mapping_id}", {"kook_channel_name": "新公告", "target_channel_id": "-100777"})
    assert renamed.body["data"]["target_channel_id"] == "-100777"
    assert api.put(f"/api/mappings/{mapping_id}/toggle").body["enabled"] == 1  # no body: flip
    assert api.put(f"/api/mappings/{mapping_id}/toggle", {"enabled": False}).body["enabled"] == 0
    assert api.put(f"/api/mappings/{mapping_id}", {}).body["error_code"] == "MISSING_PARAM"
    assert api.put(f"/api/mappings/{mapping_id}", {"enabled": 5}).status == 422
    assert api.put("/api/mappings/999", {"enabled": 1}).body["error_code"] == "MAPPING_NOT_FOUND"
    # the old target is free again after the target channel changed
    assert api.post("/api/mappings", mapping(bot_id)).status == 200


def test_delete(api):
    bot_id = bot(api)
    mapping_id = api.post("/api/mappings", mapping(bot_id)).body["mapping_id"]
    assert api.delete(f"/api/mappings/{mapping_id}").status == 200
    assert api.delete(f"/api/mappings/{mapping_id}").status == 404
    assert mapping_store.for_channel("9876543210") == []
    assert api.post("/api/mappings", mapping(bot_id)).status == 200


def test_export_then_import_with_per_row_errors_and_replace(api):
    bot_id = bot(api)
    api.post("/api/mappings/batch", {"mappings": [mapping(bot_id, kook_channel_id=f"c{i}") for i in range(3)]})
    exported = api.get("/api/mappings/export").body
    assert exported["version"] == "1.0"
    assert exported["export_time"]
    assert len(exported["mappings"]) == 3

    rows = [*exported["mappings"], mapping(404, kook_channel_id="x1", kook_channel_name="坏映射"),
            {"kook_channel_id": "x2"}]
    merged = api.post("/api/mappings/import", {"mappings": rows}).body
    assert merged["success_count"] == 0
    assert merged["failed_count"] == 5
    assert {"channel": "坏映射", "error": "target_bot_id 404 不存在"} in merged["errors"]

    replaced = api.post("/api/mappings/import", {"mappings": rows, "replace_existing": True}).body
    assert replaced["success_count"] == 3
    assert replaced["failed_count"] == 2
    assert sorted(m["kook_channel_id"] for m in api.get("/api/mappings").body["data"]) == ["c0", "c1", "c2"]


def test_import_never_replaces_with_nothing(api):
    bot_id = bot(api)
    api.post("/api/mappings", mapping(bot_id))
    answer = api.post("/api/mappings/import", {"mappings": [{"kook_channel_id": "x"}], "replace_existing": True})
    assert answer.body["success_count"] == 0
    assert len(api.get("/api/mappings").body["data"]) == 1


def test_import_file_upload(api):
    bot_id = bot(api)
    document = json.dumps({"version": "1.0", "mappings": [mapping(bot_id, kook_channel_id="f1")]}).encode()
    boundary = "----kooktest"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"m.json\"\r\n"
            f"Content-Type: application/json\r\n\r\n").encode() + document + f"\r\n--{boundary}--\r\n".encode()
    answer = api.post("/api/mappings/import/file", raw_body=body,
                      headers={"content-type": f"multipart/form-data; boundary={boundary}"})
    assert answer.status == 200
    assert answer.body["success_count"] == 1
    not_json = api.post("/api/mappings/import/file", raw_body=b"--x\r\n", headers={
        "content-type": "multipart/form-data; boundary=x"})
    assert not_json.status == 400
