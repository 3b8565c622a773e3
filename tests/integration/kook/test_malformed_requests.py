"""Malformed requests are clean 4xx in kook's envelope and write nothing (issue 11): the automatic backup's body
is validated, and the shared layer's causes (a multipart type without a boundary, JSON whose bytes are not UTF-8,
an array where one object is read) answer 400/422 on kook's routes, with or without a login."""

import pytest

from kook.store import accounts as account_store
from kook.store import backups as backup_store

JSON = {"content-type": "application/json"}


def automatic_backups() -> list[str]:
    return [b.backup_id for b in backup_store.list_all("auto")]


@pytest.mark.parametrize("raw", [b"[null,null]", b'[{"keep": 2}]', b'{"keep": 0}', b'{"keep": 101}',
                                 b'{"keep": "two"}', b'"keep"', b"1", b'{"keep": 2'])
def test_a_malformed_automatic_backup_request_is_422_and_writes_nothing(api, raw):
    answer = api.post("/api/backup/auto-backup", raw_body=raw, headers=JSON)
    assert answer.status == 422, answer.body
    assert answer.body["error_code"] == "INVALID_PARAM"
    assert automatic_backups() == []


def test_the_automatic_backup_runs_with_no_body_an_empty_object_or_a_keep(api):
    assert api.post("/api/backup/auto-backup").status == 200
    assert api.post("/api/backup/auto-backup", raw_body=b"{}", headers=JSON).status == 200
    kept = api.post("/api/backup/auto-backup", {"keep": 1})
    assert (kept.status, kept.body["keep"]) == (200, 1)
    assert len(automatic_backups()) == 1


@pytest.mark.parametrize(("path", "logged_in"), [("/api/auth/login", False), ("/api/accounts", True)])
def test_multipart_without_a_boundary_is_400(api, path, logged_in):
    answer = api.post(path, raw_body=b'{"email": "x@y.zz", "password": "12345678", "bot_token": "t"}',
                      headers={"content-type": "multipart/form-data"}, token=api.token if logged_in else None)
    assert answer.status == 400, answer.body
    assert answer.body["error_code"] == "INVALID_PARAM"
    assert answer.body["success"] is False
    assert account_store.list_all() == []


@pytest.mark.parametrize("path", ["/api/auth/login", "/api/accounts"])
def test_json_whose_bytes_are_not_utf8_is_400(api, path):
    answer = api.post(path, raw_body=b'{"email": "\xff\xfe@y.zz", "password": "caf\xe9-1234", "bot_token": "t"}',
                      headers=JSON)
    assert answer.status == 400, answer.body
    assert answer.body["error_code"] == "INVALID_PARAM"
    assert account_store.list_all() == []


def test_an_array_is_not_an_account(api):
    answer = api.post("/api/accounts", raw_body=b'[{"email": "a@b.cc", "bot_token": "t"}]', headers=JSON)
    assert answer.status == 422, answer.body
    assert account_store.list_all() == []


def test_bad_bodies_without_a_login_are_401_first(anonymous):
    answer = anonymous.post("/api/backup/auto-backup", raw_body=b"[null,null]", headers=JSON, token=None)
    assert (answer.status, answer.body["error_code"]) == (401, "AUTH_FAILED")
    assert automatic_backups() == []


def test_filter_rules_take_users_as_id_and_name_only(api):
    # Found by the fuzzer: any JSON inside a user rule was stored, and a number DynamoDB cannot hold was a 500.
    junk = api.post("/api/system/filter-rules", {"user_blacklist": [{"id": "1", "name": {"deep": [4.7e-222]}}]})
    assert junk.status == 422, junk.body
    saved = api.post("/api/system/filter-rules", {"user_blacklist": [{"id": 42, "name": "张三", "extra": [1e-300]}],
                                                   "user_filter_enabled": True})
    assert saved.status == 200, saved.body
    assert api.get("/api/system/filter-rules").body["rules"]["user_blacklist"] == [{"id": "42", "name": "张三"}]


def test_a_backup_file_with_invalid_settings_is_400_and_restores_nothing(api):
    document = {"format": "kook-forwarder-backup", "format_version": 1,
                "accounts": [{"id": 5, "email": "five@example.com"}],
                "settings": {"filter_rules": {"message_types": ["telepathy"]}}}
    answer = api.post("/api/backup/import", document, query="mode=merge")
    assert answer.status == 400, answer.body
    assert answer.body["error_code"] == "INVALID_PARAM"
    assert account_store.get(5) is None
