"""The seven routes of apps.md: documented shapes, paging, search, route order, install/upgrade/uninstall."""

import json

import pytest

from tests.integration.classworks.support import bearer, stored_items

APP_FIELDS = {"id", "name", "description", "developerName", "permissionPrefix", "specialPermissions",
              "permissionKey", "version", "createdAt", "updatedAt"}
SITE = {"X-Site-Key": "your-site-key"}  # ignored while no site key is configured (as in the original)


def test_list_apps_shape_newest_first_and_search(api):
    marker = "zq" + api.app()["permissionPrefix"]  # a word no other test's app contains
    older = api.app(name=f"Alpha {marker}", description="first")
    newer = api.app(name="Beta", description=f"about {marker.upper()}")  # case-insensitive
    by_developer = api.app(name="Gamma", developerName=f"dev-{marker}")
    answer = api("GET", "/api/apps", headers=SITE, query={"limit": 10, "skip": 0, "search": marker})
    assert answer.status == 200
    body = answer.json
    assert set(body) == {"apps", "total", "limit", "skip"}
    assert (body["total"], body["limit"], body["skip"]) == (3, 10, 0)
    assert [a["id"] for a in body["apps"]] == [by_developer["id"], newer["id"], older["id"]]
    assert all(set(app) == APP_FIELDS for app in body["apps"])
    page = api("GET", "/api/apps", headers=SITE, query={"limit": 1, "skip": 1, "search": marker}).json
    assert ([a["id"] for a in page["apps"]], page["total"]) == ([newer["id"]], 3)


def test_list_apps_defaults_and_maximum(api):
    for _ in range(3):
        api.app()
    body = api("GET", "/api/apps", headers=SITE).json
    assert (body["limit"], body["skip"]) == (20, 0)
    assert body["total"] >= 3
    assert api("GET", "/api/apps", query={"limit": 5000}).json["limit"] == 100  # documented maximum


@pytest.mark.parametrize("query", [{"limit": "-1"}, {"skip": "-5"}, {"limit": "ten"}, {"skip": "1.5"}])
def test_list_apps_rejects_bad_numbers(api, query):
    answer = api("GET", "/api/apps", query=query)
    assert answer.status == 400
    assert answer.json["statusCode"] == 400
    assert "必须是非负整数" in answer.json["message"]


def test_get_app_and_its_404(api):
    app = api.app(version="2.0.0", permissionKey=["read:data"])
    answer = api("GET", f"/api/apps/{app['id']}", headers=SITE)
    assert answer.status == 200
    assert answer.json == app
    for missing in ("999999", "abc", "0", "-1"):
        gone = api("GET", f"/api/apps/{missing}", headers=SITE)
        assert (gone.status, gone.json) == (404, {"statusCode": 404, "message": "应用不存在"})


def test_with_permission_key_is_matched_before_the_id_route(api):
    keyed = api.app(permissionKey=["read:data", "write:data"])
    plain = api.app()
    answer = api("GET", "/api/apps/with-permission-key", headers=SITE)
    assert answer.status == 200
    assert set(answer.json) == {"apps"}
    ids = [a["id"] for a in answer.json["apps"]]
    assert keyed["id"] in ids
    assert plain["id"] not in ids
    assert all(a["permissionKey"] for a in answer.json["apps"])


def test_install_creates_the_device_and_answers_the_documented_shape(api):
    app = api.app(version="1.1.0")
    answer = api("POST", f"/api/apps/{app['id']}/install/brand-new-device", headers=SITE)
    assert answer.status == 200
    body = answer.json
    assert set(body) == {"token", "appId", "permissionPrefix", "permissionKey", "version", "authorizedAt"}
    assert (body["appId"], body["permissionPrefix"], body["version"]) == (app["id"], app["permissionPrefix"], "1.1.0")
    device = api("GET", "/api/devices/brand-new-device").json
    assert (device["uuid"], device["namespace"], device["hasPassword"]) == ("brand-new-device",
                                                                            "brand-new-device", False)


def test_second_install_upgrades_and_keeps_one_install(api):
    app = api.app(version="1.0.0")
    device = api.device()
    first = api("POST", f"/api/apps/{app['id']}/install/{device}").json
    api.app(prefix=app["permissionPrefix"], version="1.1.0", permissionKey=["read:data"],
            specialPermissions=["shared"])  # the operator publishes a new version
    second = api("POST", f"/api/apps/{app['id']}/install/{device}").json
    assert second["token"] == first["token"]
    assert (second["version"], second["permissionKey"]) == ("1.1.0", ["read:data"])
    assert second["authorizedAt"] >= first["authorizedAt"]
    listed = api("GET", f"/api/devices/{device}/apps").json
    assert listed["total"] == 1
    assert listed["installs"][0]["specialPermissions"] == ["shared"]
    permissions = api("GET", f"/api/apps/token/{first['token']}/permissions").json
    assert permissions["specialPermissions"] == ["shared"]  # the token got the new grants


def test_device_apps_lists_installs_with_their_tokens(api):
    device = api.device()
    first, second = api.app(), api.app()
    token_1 = api.install(first["id"], device)
    token_2 = api.install(second["id"], device)
    answer = api("GET", f"/api/devices/{device}/apps", headers=SITE, query={"limit": 10})
    assert answer.status == 200
    body = answer.json
    assert set(body) == {"installs", "total", "limit", "skip"}
    assert (body["total"], body["limit"], body["skip"]) == (2, 10, 0)
    install = body["installs"][0]
    assert set(install) == {"id", "appId", "token", "permissionPrefix", "specialPermissions", "permissionKey",
                            "version", "installedAt", "updatedAt", "app"}
    assert set(install["app"]) == {"id", "name", "description", "developerName", "permissionPrefix"}
    assert {i["token"] for i in body["installs"]} == {token_1, token_2}
    assert [i["appId"] for i in body["installs"]] == [second["id"], first["id"]]  # newest first
    page = api("GET", f"/api/devices/{device}/apps", query={"limit": 1, "skip": 1}).json
    assert [i["appId"] for i in page["installs"]] == [first["id"]]
    assert api("GET", "/api/devices/nobody-here/apps").json == {"statusCode": 404, "message": "设备不存在"}
    assert api("GET", f"/api/devices/{device}/apps", query={"skip": "-1"}).status == 400


def test_token_permissions(api):
    app = api.app(specialPermissions=["shared"], permissionKey=["read:data"])
    token = api.install(app["id"], api.device())
    answer = api("GET", f"/api/apps/token/{token}/permissions", headers=SITE)
    assert answer.status == 200
    assert answer.json == {
        "appId": app["id"], "permissionPrefix": app["permissionPrefix"], "specialPermissions": ["shared"],
        "permissionKey": ["read:data"],
        "app": {k: app[k] for k in ("id", "name", "description", "developerName")},
    }
    missing = api("GET", "/api/apps/token/cw_nope/permissions")
    assert (missing.status, missing.json["message"]) == (404, "Token不存在")


def test_uninstall_revokes_every_token_of_the_app_at_once(api):
    app, other = api.app(), api.app()
    device = api.device()
    token = api.install(app["id"], device)
    other_token = api.install(other["id"], device)
    assert api("GET", "/api/kv/_info", headers=bearer(token)).status == 200
    answer = api("DELETE", f"/api/apps/{app['id']}/uninstall/{device}", headers=SITE)
    assert answer.status == 200
    assert set(answer.json) == {"message", "appId", "uninstalledAt"}
    assert (answer.json["message"], answer.json["appId"]) == ("应用卸载成功", app["id"])
    refused = api("GET", "/api/kv/_info", headers=bearer(token))
    assert (refused.status, refused.json["message"]) == (401, "无效的token")
    assert api("GET", "/api/kv/_info", headers=bearer(other_token)).status == 200  # other apps keep theirs
    again = api("DELETE", f"/api/apps/{app['id']}/uninstall/{device}")
    assert (again.status, again.json["message"]) == (404, "应用未安装")
    assert api("GET", f"/api/devices/{device}/apps").json["total"] == 1


def test_tokens_are_digests_at_rest_and_sealed_where_they_must_be_shown(api):
    token = api.install(api.app()["id"], api.device())
    raw = json.dumps(stored_items())
    assert token not in raw
    assert token.removeprefix("cw_") not in raw
    sealed = [i for i in stored_items() if i["sk"]["S"].startswith("INSTALL#") and "tokenSealed" in i]
    assert sealed
    assert all(i["tokenSealed"]["S"].startswith("v1.") for i in sealed)


def test_a_device_with_a_password_needs_it_for_its_apps(api):
    app = api.app()
    device = api.device()
    assert api("PUT", f"/api/apps/devices/{device}/password", body={"newPassword": "s3cret"}).status == 200
    assert api("POST", f"/api/apps/{app['id']}/install/{device}").json == {
        "statusCode": 401, "message": "需要提供设备密码"}
    wrong = api("POST", f"/api/apps/{app['id']}/install/{device}", headers={"x-device-password": "nope"})
    assert (wrong.status, wrong.json["message"]) == (401, "密码错误")
    token = api.install(app["id"], device, headers={"x-device-password": "s3cret"})
    assert token.startswith("cw_")
    assert api("GET", f"/api/devices/{device}/apps").status == 401
    assert api("GET", f"/api/devices/{device}/apps", query={"password": "s3cret"}).json["total"] == 1
    assert api("DELETE", f"/api/apps/{app['id']}/uninstall/{device}").status == 401
    assert api("DELETE", f"/api/apps/{app['id']}/uninstall/{device}",
               headers={"x-device-password": "s3cret"}).status == 200


def test_install_of_an_unknown_app(api):
    answer = api("POST", "/api/apps/987654321/install/some-device")
    assert (answer.status, answer.json) == (404, {"statusCode": 404, "message": "应用不存在"})
    assert api("GET", "/api/devices/some-device").status == 404  # nothing was created
