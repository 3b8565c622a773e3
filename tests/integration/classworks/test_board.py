"""The Classworks board and its console against classworks, as their code calls it (docs/classworks-clients.md §1, §3):
the first-run wizard (register, then a token for the board's own opaque app id), every key family the board
reads and writes, its data migration (one batch import), read-only tokens, the console's install by string app
id; and, beside them, the apps.md catalogue apps, whose prefix permissions do not change."""

from __future__ import annotations

import uuid

import pytest

from classworks.logic import devices as device_logic
from tests.integration.classworks.support import bearer

BOARD_APP = "d158067f53627d2b98babe8bffd2fd7d"  # the board's own app id (src/components/auth/FirstTimeGuide.vue)
DATE_KEY = "classworks-data-20250101"
BOARD_VALUES = {  # one key of every family the board uses, with values of the board's shapes
    DATE_KEY: {"homework": {"语文": {"content": "背诵课文"}}, "attendance": {"absent": [], "late": [], "exclude": []}},
    "classworks-config-subject": [{"order": 0, "name": "语文"}, {"order": 1, "name": "数学"}],
    "classworks-config-homework-template": {"语文": ["背诵"]},
    "classworks-list-main": [{"name": "小明"}, {"name": "小红"}],
    "classworks-list-teacher": [{"name": "王老师", "isHeadTeacher": True, "subjects": ["语文"]}],
    "classworks-list-info": [{"id": "7", "name": "值日"}],
    "classworks-list-7": [{"text": "扫地"}],
    "notification-list": [{"id": 1, "message": "明天春游", "isUrgent": False, "timestamp": 1735689600000}],
    "es_list": [{"id": "cfg1", "name": "期中"}],
    "es_cfg1": {"examName": "期中", "examInfos": []},
    "noise-session-config": {"threshold": 60},
    "noise-reports-meta": {"dates": ["20250101"]},
    "noise-reports-20250101": [],
    "sentence-info": {"sentence": "学而时习之", "from": "论语"},
}


def first_run(api, **extra):
    """The board's first-run wizard: POST /devices {uuid, deviceName}, then a token for its own app id."""
    device = str(uuid.uuid4())
    assert api("POST", "/api/devices", body={"uuid": device, "deviceName": "Classworks"}).status == 201
    answer = api("POST", "/api/apps/auth/token", body={"namespace": device, "password": "", "appId": BOARD_APP,
                                                       **extra})
    assert answer.status == 201, answer.text
    return device, answer.json["token"]


def test_the_first_run_wizard_signs_in_with_the_boards_own_app_id(api):
    device, token = first_run(api)
    about = api("GET", "/api/kv/_token", headers=bearer(token))
    assert about.status == 200
    assert (about.json["appId"], about.json["deviceType"], about.json["isReadOnly"]) == (BOARD_APP, "classroom",
                                                                                         False)
    assert about.json["device"]["uuid"] == device
    info = api("GET", "/api/kv/_info", headers={"x-app-token": token})
    assert (info.status, info.json["device"]["uuid"]) == (200, device)


def test_the_older_wizard_without_an_app_id_fails_as_against_the_original(api):
    device = str(uuid.uuid4())
    assert api("POST", "/api/devices", body={"uuid": device, "deviceName": "Classworks"}).status == 201
    answer = api("POST", "/api/apps/auth/token", body={"namespace": device, "password": ""})
    assert answer.json == {"statusCode": 400, "message": "需要提供 appId"}


def test_the_board_reads_and_writes_every_key_family_of_its_device(api):
    _device, token = first_run(api)
    for key, value in BOARD_VALUES.items():
        written = api("POST", f"/api/kv/{key}", body=value, headers={"x-app-token": token})
        assert (written.status, written.json["key"], written.json["created"]) == (200, key, True), key
        assert api("GET", f"/api/kv/{key}", headers={"x-app-token": token}).json == value, key
    keys = api("GET", "/api/kv/_keys", query={"sortBy": "key", "sortDir": "asc", "limit": 100, "skip": 0},
               headers={"x-app-token": token}).json
    assert (keys["keys"], keys["total_rows"]) == (sorted(BOARD_VALUES), len(BOARD_VALUES))
    # the raw editor's "delete" writes null (an empty body), and a real delete works too
    assert api("POST", "/api/kv/notification-list", raw_body=b"", headers=bearer(token)).status == 200
    assert api("GET", "/api/kv/notification-list", headers=bearer(token)).json == {}
    assert api("DELETE", "/api/kv/noise-reports-20250101", headers=bearer(token)).status == 204


def test_the_data_migration_imports_every_key(api):
    _device, token = first_run(api)
    migrated = api("POST", "/api/kv/_batchimport", body=BOARD_VALUES, headers=bearer(token))
    assert migrated.status == 200
    assert migrated.json["code"] == 200
    assert migrated.json["data"]["summary"] == {"total": len(BOARD_VALUES), "successful": len(BOARD_VALUES),
                                                "failed": 0}
    assert "errors" not in migrated.json["data"]
    for key, value in BOARD_VALUES.items():
        assert api("GET", f"/api/kv/{key}", headers=bearer(token)).json == value, key


def test_a_read_only_token_reads_every_key_and_writes_none(api):
    device, token = first_run(api)
    assert api("POST", f"/api/kv/{DATE_KEY}", body=BOARD_VALUES[DATE_KEY], headers=bearer(token)).status == 200
    device_logic.add_auth_config(device, password="pupil-pw", device_type="student", read_only=True, config_id="s")
    pupil = api("POST", "/api/apps/auth/token", body={"namespace": device, "password": "pupil-pw",
                                                      "appId": BOARD_APP}).json
    assert (pupil["deviceType"], pupil["isReadOnly"]) == ("student", True)
    read_only = bearer(pupil["token"])
    assert api("GET", f"/api/kv/{DATE_KEY}", headers=read_only).json == BOARD_VALUES[DATE_KEY]
    assert api("GET", "/api/kv/_keys", headers=read_only).json["keys"] == [DATE_KEY]
    refused = {"statusCode": 403, "message": "当前token为只读模式,无法修改数据"}
    assert api("POST", f"/api/kv/{DATE_KEY}", body={}, headers=read_only).json == refused
    assert api("DELETE", f"/api/kv/{DATE_KEY}", headers=read_only).json == refused
    assert api("POST", "/api/kv/_batchimport", body={"sentence-info": {}}, headers=read_only).json == refused
    assert api("GET", f"/api/kv/{DATE_KEY}", headers=read_only).json == BOARD_VALUES[DATE_KEY]


def test_the_consoles_install_by_string_app_id_gives_the_board_its_token(api):
    device = api.device()
    installed = api("POST", f"/api/apps/devices/{device}/install/{BOARD_APP}", query={"password": "undefined"},
                    body={"note": "回调授权"}, headers={"x-device-uuid": device})
    assert installed.status == 201, installed.text
    assert set(installed.json) == {"id", "appId", "token", "note", "name", "installedAt"}
    assert (installed.json["appId"], installed.json["note"]) == (BOARD_APP, "回调授权")
    token = installed.json["token"]
    assert api("POST", "/api/kv/sentence-info", body={"s": 1}, headers=bearer(token)).status == 200
    listed = api("GET", "/api/apps/tokens", query={"uuid": device}).json["tokens"]
    assert [(t["appId"], t["token"]) for t in listed] == [(BOARD_APP, token)]
    # the apps.md listing shows it too: an app that is not in the catalogue, with no prefix nor version
    [shown] = api("GET", f"/api/devices/{device}/apps").json["installs"]
    assert (shown["appId"], shown["permissionPrefix"], shown["version"], shown["app"]["id"], shown["app"]["name"]) \
        == (BOARD_APP, None, None, BOARD_APP, None)
    permissions = api("GET", f"/api/apps/token/{token}/permissions").json
    assert (permissions["appId"], permissions["permissionPrefix"], permissions["specialPermissions"]) == (
        BOARD_APP, None, [])
    # removed by its install id, as the console does
    removed = api("DELETE", f"/api/apps/devices/{device}/uninstall/{installed.json['id']}",
                  query={"uuid": device, "password": "undefined"})
    assert removed.status == 204
    assert api("GET", "/api/kv/_token", headers=bearer(token)).status == 401


def test_catalogue_apps_keep_their_prefix_permissions_on_the_same_device(api):
    app = api.app()
    device, board_token = first_run(api)
    for app_id in (app["id"], str(app["id"])):  # a JSON integer, or a string of digits naming the app
        catalogue = api("POST", "/api/apps/auth/token", body={"namespace": device, "appId": app_id}).json["token"]
        assert api("GET", "/api/kv/_token", headers=bearer(catalogue)).json["appId"] == app_id  # as given
        own = f"{app['permissionPrefix']}.notes"
        assert api("POST", f"/api/kv/{own}", body={"a": 1}, headers=bearer(catalogue)).status == 200
        denied = api("POST", f"/api/kv/{DATE_KEY}", body={}, headers=bearer(catalogue))
        assert denied.json == {"statusCode": 403, "message": (f"无权限访问键 '{DATE_KEY}'。需要权限前缀 "
                                                              f"'{app['permissionPrefix']}.' 或特殊权限。")}
        batch = api("POST", "/api/kv/_batchimport", body={own: {}, "sentence-info": {}}, headers=bearer(catalogue))
        assert batch.json["data"]["summary"] == {"total": 2, "successful": 1, "failed": 1}
        assert api("GET", "/api/kv/_keys", headers=bearer(catalogue)).json["keys"] == [own]
    # the board's token sees the catalogue app's key too: it is a key of its device
    assert f"{app['permissionPrefix']}.notes" in api("GET", "/api/kv/_keys", headers=bearer(board_token)).json["keys"]


@pytest.mark.parametrize(("app_id", "status"), [(424242, 404), ("424242", 201), ("  ", 400), ("x" * 192, 400),
                                                ([1], 400)])
def test_what_an_app_id_names(api, app_id, status):
    device = api.device()
    answer = api("POST", "/api/apps/auth/token", body={"namespace": device, "appId": app_id})
    assert answer.status == status, answer.text
    if status == 201:  # digits that name no catalogue app: an opaque v3 id, kept as given
        assert api("GET", "/api/kv/_token", headers=bearer(answer.json["token"])).json["appId"] == "424242"
