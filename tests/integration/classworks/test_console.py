"""The console (kv-admin at aec482c, src/lib/api.js) against classworks: the routes it calls that only its own
server generation had (docs/classworks-clients.md §3.3), with the requests its code sends."""

from __future__ import annotations

from tests.integration.classworks.support import bearer

JSON = {"Content-Type": "application/json"}  # api.js sends it on every request, with or without a body


def test_set_change_and_remove_the_password_as_the_console_does(api):
    device = api.device()
    # setDevicePassword: no password yet → POST with the query only
    first = api("POST", f"/api/devices/{device}/password", query={"newPassword": "pw-1", "passwordHint": "生日"},
                headers=JSON)
    assert (first.status, first.json) == (200, {"success": True, "message": "密码设置成功"})
    profile = api("GET", f"/api/devices/{device}").json
    assert (profile["hasPassword"], profile["passwordHint"]) == (True, "生日")
    again = api("POST", f"/api/devices/{device}/password", query={"newPassword": "pw-x"}, headers=JSON)
    assert again.json == {"statusCode": 403, "message": "设备已设置密码，请使用修改密码接口"}

    # setDevicePassword with a password: PUT, everything in the query
    changed = api("PUT", f"/api/devices/{device}/password", headers=JSON,
                  query={"uuid": device, "newPassword": "pw-2", "currentPassword": "pw-1", "passwordHint": "生日"})
    assert changed.json == {"success": True, "message": "密码修改成功"}
    # updateDevicePassword: body + x-device-password; a hint left out stays
    changed = api("PUT", f"/api/devices/{device}/password", body={"newPassword": "pw-3", "currentPassword": "pw-2"},
                  headers={"x-device-uuid": device, "x-device-password": "pw-2"})
    assert changed.json == {"success": True, "message": "密码修改成功"}
    assert api("GET", f"/api/devices/{device}").json["passwordHint"] == "生日"
    wrong = api("PUT", f"/api/devices/{device}/password", query={"newPassword": "pw-4"},
                headers={"x-device-password": "nope"})
    assert wrong.json == {"statusCode": 401, "message": "密码错误"}
    mismatch = api("PUT", f"/api/devices/{device}/password", body={"newPassword": "pw-4", "currentPassword": "nope"},
                   headers={"x-device-password": "pw-3"})
    assert mismatch.json == {"statusCode": 401, "message": "当前密码错误"}
    missing = api("PUT", f"/api/devices/{device}/password", headers={"x-device-password": "pw-3"})
    assert missing.json == {"statusCode": 400, "message": "新密码是必需的"}
    assert api("PUT", f"/api/devices/{device}/password", query={"newPassword": "pw-4"}).status == 401

    # deleteDevicePassword: DELETE ?uuid=&password=
    assert api("DELETE", f"/api/devices/{device}/password", query={"uuid": device, "password": "nope"}).status == 401
    removed = api("DELETE", f"/api/devices/{device}/password", query={"uuid": device, "password": "pw-3"})
    assert removed.json == {"success": True, "message": "密码删除成功"}
    profile = api("GET", f"/api/devices/{device}").json
    assert (profile["hasPassword"], profile["passwordHint"]) == (False, None)
    assert api("DELETE", f"/api/devices/{device}/password").json == {"statusCode": 400, "message": "设备未设置密码"}
    assert api("PUT", f"/api/devices/{device}/password", query={"newPassword": "pw"}).json == {
        "statusCode": 400, "message": "设备未设置密码，请使用设置密码接口"}


def test_password_routes_for_unknown_devices_and_missing_passwords(api):
    assert api("POST", "/api/devices/no-such-device/password", query={"newPassword": "x"}).json == {
        "statusCode": 404, "message": "设备不存在"}
    assert api("PUT", "/api/devices/no-such-device/password", query={"newPassword": "x"}).status == 404
    assert api("DELETE", "/api/devices/no-such-device/password").status == 404
    device = api.device()
    assert api("POST", f"/api/devices/{device}/password", body={}).json == {"statusCode": 400,
                                                                            "message": "新密码是必需的"}
    set_by_body = api("POST", f"/api/devices/{device}/password", body={"newPassword": "from-body"})
    assert set_by_body.status == 200
    assert api("POST", "/api/apps/devices/" + device + "/password/verify",
               body={"password": "from-body"}).json == {"valid": True}


def test_app_info_names_catalogue_apps_only(api, site_key):
    app = api.app()
    found = api("GET", f"/api/apps/info/{app['id']}", headers={"x-site-key": site_key})
    assert (found.status, found.json["id"], found.json["permissionPrefix"]) == (200, app["id"],
                                                                                app["permissionPrefix"])
    assert api("GET", f"/api/apps/info/{app['id']}").status == 401
    for other in ("d158067f53627d2b98babe8bffd2fd7d", "0", "99999999"):
        assert api("GET", f"/api/apps/info/{other}", headers={"x-site-key": site_key}).json == {
            "statusCode": 404, "message": "应用不存在"}


def test_accounts_say_there_are_none(api):
    assert api("GET", "/api/accounts/oauth/providers").json == {"success": True, "data": []}
    device = api.device()
    assert api("GET", f"/api/accounts/device/{device}/account").json == {"success": True, "data": None}
    assert api("GET", "/api/accounts/device/no-such-device/account").json == {"statusCode": 404,
                                                                              "message": "设备不存在"}


def test_the_console_authorizes_the_board_on_a_device_with_a_password(api):
    device = api.device()
    api("POST", f"/api/devices/{device}/password", query={"newPassword": "pw"})
    path = f"/api/apps/devices/{device}/install/d158067f53627d2b98babe8bffd2fd7d"
    assert api("POST", path, query={"password": "undefined"}, body={"note": "授权访问"}).status == 401
    installed = api("POST", path, query={"password": "pw"}, body={"note": "授权访问"},
                    headers={"x-device-uuid": device})
    assert installed.status == 201
    assert api("POST", "/api/kv/classworks-list-main", body=[{"name": "小明"}],
               headers=bearer(installed.json["token"])).status == 200
