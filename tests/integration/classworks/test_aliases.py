"""The routes of other generations of the original: v3 device paths, v2 authorize, installations (operator
only), token listings, and naming tokens from the class list (set-student-name / set-teacher-name)."""

from __future__ import annotations

from classworks.logic import devices as device_logic
from tests.integration.classworks.support import bearer

ERROR = {"statusCode", "message"}


def test_v3_install_creates_a_new_token_per_call_listed_and_removed_by_id(api):
    app, device = api.app(), api.device()
    first = api("POST", f"/api/apps/devices/{device}/install/{app['id']}", body={"note": "front desk"})
    assert first.status == 201, first.text
    assert set(first.json) == {"id", "appId", "token", "note", "name", "installedAt"}
    # the app id is echoed as given (a path segment is a string); it names the catalogue app, whose prefix rules
    assert (first.json["note"], first.json["name"], first.json["appId"]) == ("front desk", "front desk",
                                                                             str(app["id"]))
    assert api("POST", "/api/kv/elsewhere.x", body={}, headers=bearer(first.json["token"])).status == 403
    second = api("POST", f"/api/apps/devices/{device}/install/{app['id']}")
    assert second.status == 201
    assert second.json["token"] != first.json["token"]
    # digits that name no app of the catalogue are an opaque v3 app id, as any other string (test_board.py)
    opaque = api("POST", f"/api/apps/devices/{device}/install/99999")
    assert (opaque.status, opaque.json["appId"]) == (201, "99999")
    assert api("DELETE", f"/api/apps/devices/{device}/uninstall/{opaque.json['id']}").status == 204

    listed = api("GET", f"/api/apps/devices/{device}/apps")
    assert listed.status == 200
    assert listed.json["success"] is True
    assert {a["token"] for a in listed.json["apps"]} == {first.json["token"], second.json["token"]}
    assert all(set(a) == {"appId", "token", "note", "installedAt"} for a in listed.json["apps"])

    path = f"/api/apps/devices/{device}/uninstall/{first.json['id']}"
    assert api("DELETE", path).status == 204
    assert api("GET", "/api/kv/_token", headers=bearer(first.json["token"])).status == 401  # revoked at once
    assert api("GET", "/api/kv/_token", headers=bearer(second.json["token"])).status == 200
    missing = api("DELETE", path)
    assert (missing.status, set(missing.json)) == (404, ERROR)
    other = api.device()  # another device's install id is simply not found there
    assert api("DELETE", f"/api/apps/devices/{other}/uninstall/{second.json['id']}").status == 404


def test_v3_device_routes_need_the_device_password_once_set(api):
    app, device = api.app(), api.device()
    assert api("PUT", f"/api/apps/devices/{device}/password", body={"newPassword": "pw-1"}).status == 200
    for method, path in (("GET", f"/api/apps/devices/{device}/apps"),
                         ("POST", f"/api/apps/devices/{device}/install/{app['id']}"),
                         ("DELETE", f"/api/apps/devices/{device}/uninstall/app-{app['id']}"),
                         ("GET", f"/api/apps/devices/{device}/tokens"), ("GET", f"/api/apps/tokens?uuid={device}")):
        route, _, query = path.partition("?")
        assert api(method, route, query=query).status == 401, path
    good = {"x-device-password": "pw-1"}
    assert api("POST", f"/api/apps/devices/{device}/install/{app['id']}", headers=good).status == 201
    assert api("GET", "/api/apps/tokens", query={"uuid": device}, headers=good).status == 200


def test_v2_authorize_installs_once_with_a_note_and_registers_unknown_devices(api):
    app = api.app()
    answer = api("POST", f"/api/apps/{app['id']}/authorize", body={"deviceUuid": "auth-new-device", "note": "hall"})
    assert answer.status == 200, answer.text
    assert set(answer.json) == {"token", "appId", "permissionPrefix", "permissionKey", "version", "authorizedAt",
                                "deviceUuid", "note"}
    assert (answer.json["deviceUuid"], answer.json["note"]) == ("auth-new-device", "hall")
    again = api("POST", f"/api/apps/{app['id']}/authorize", body={"deviceUuid": "auth-new-device"})
    assert (again.json["token"], again.json["note"]) == (answer.json["token"], "hall")
    assert api("GET", "/api/devices/auth-new-device").status == 200
    assert api("POST", f"/api/apps/{app['id']}/authorize", body={}).status == 400
    assert api("POST", "/api/apps/99999/authorize", body={"deviceUuid": "x"}).status == 404


def test_installations_are_for_the_operator_only(api, site_key):
    app = api.app()
    devices = [api.device(deviceName=f"Room {n}") for n in range(3)]
    for device in devices:
        api.install(app["id"], device, headers={"X-Site-Key": site_key})
    api("POST", f"/api/apps/devices/{devices[0]}/install/{app['id']}", body={"note": "extra"},
        headers={"X-Site-Key": site_key})
    assert api("GET", f"/api/apps/{app['id']}/installations").status == 401
    page = api("GET", f"/api/apps/{app['id']}/installations", query={"limit": 2, "skip": 0},
               headers={"X-Site-Key": site_key})
    assert page.status == 200, page.text
    assert (page.json["total"], page.json["limit"], page.json["skip"], len(page.json["installations"])) == (4, 2, 0, 2)
    rest = api("GET", f"/api/apps/{app['id']}/installations", query={"limit": 2, "skip": 2},
               headers={"X-Site-Key": site_key}).json["installations"]
    everything = page.json["installations"] + rest
    assert {i["deviceUuid"] for i in everything} == set(devices)
    assert [i["installedAt"] for i in everything] == sorted((i["installedAt"] for i in everything), reverse=True)
    assert all("token" not in i for i in everything)
    assert {i["deviceName"] for i in everything} == {"Room 0", "Room 1", "Room 2"}
    assert api("GET", "/api/apps/99999/installations", headers={"X-Site-Key": site_key}).status == 404


def test_installations_are_refused_while_no_site_key_is_configured(api):
    answer = api("GET", f"/api/apps/{api.app()['id']}/installations")
    assert (answer.status, set(answer.json)) == (403, ERROR)


def test_token_listings(api):
    app, device = api.app(), api.device()
    token = api.install(app["id"], device)
    for answer in (api("GET", f"/api/apps/devices/{device}/tokens"),
                   api("GET", "/api/apps/tokens", query={"uuid": device})):
        assert answer.status == 200
        assert answer.json["success"] is True
        assert answer.json["deviceUuid"] == device
        (listed,) = answer.json["tokens"]
        assert set(listed) == {"id", "token", "appId", "installedAt", "note", "name"}
        assert (listed["token"], listed["id"]) == (token, f"app-{app['id']}")
    assert api("GET", "/api/apps/tokens").status == 400
    assert api("GET", "/api/apps/tokens", query={"uuid": "no-such-device"}).status == 404


def _session(api, app, device, password, device_type):
    namespace = f"ns-{device}"
    device_logic.add_auth_config(device, password=password, device_type=device_type, read_only=False,
                                 config_id=device_type)
    answer = api("POST", "/api/apps/auth/token", body={"namespace": namespace, "appId": app["id"],
                                                       "password": password})
    assert answer.status == 201, answer.text
    return answer.json["token"]


def test_student_parent_and_teacher_names(api):
    app = api.app(specialPermissions=["classworks-list-main"])
    device = f"names-{app['permissionPrefix']}"
    api.device(uuid=device, namespace=f"ns-{device}")
    writer = api.install(app["id"], device)
    class_list = [{"name": "王小明"}, {"name": "Li Lei"}]
    assert api("POST", "/api/kv/classworks-list-main", body=class_list, headers=bearer(writer)).status == 200

    student = _session(api, app, device, "pupil", "student")
    named = api("POST", f"/api/apps/tokens/{student}/set-student-name", body={"name": "王小明"})
    assert named.status == 200, named.text
    assert named.json == {"success": True, "token": student, "deviceType": "student", "name": "王小明",
                          "note": "王小明", "updatedAt": named.json["updatedAt"]}
    assert api("GET", "/api/kv/_token", headers=bearer(student)).json["note"] == "王小明"
    not_listed = api("POST", f"/api/apps/tokens/{student}/set-student-name", body={"name": "Nobody"})
    assert (not_listed.status, set(not_listed.json)) == (400, ERROR)
    assert api("POST", f"/api/apps/tokens/{student}/set-student-name", body={}).status == 400

    parent = _session(api, app, device, "family", "parent")
    as_parent = api("POST", f"/api/apps/tokens/{parent}/set-student-name", body={"name": "Li Lei"})
    assert as_parent.json["note"] == "Li Lei 家长"

    teacher = _session(api, app, device, "staff", "teacher")
    assert api("POST", f"/api/apps/tokens/{teacher}/set-student-name", body={"name": "Li Lei"}).status == 403
    as_teacher = api("POST", f"/api/apps/tokens/{teacher}/set-teacher-name", body={"name": "Ms. Zhang"})
    assert (as_teacher.status, as_teacher.json["note"]) == (200, "Ms. Zhang")
    assert api("POST", f"/api/apps/tokens/{student}/set-teacher-name", body={"name": "Ms. Zhang"}).status == 403
    refused = api("POST", f"/api/apps/tokens/{writer}/set-student-name", body={"name": "Li Lei"})
    assert (refused.status, set(refused.json)) == (403, ERROR)  # a classroom token
    assert api("POST", "/api/apps/tokens/cw_unknown/set-student-name", body={"name": "Li Lei"}).status == 404
