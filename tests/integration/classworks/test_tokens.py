"""POST /api/apps/auth/token: namespace + optional password → a token with deviceType and isReadOnly."""

from classworks.logic import devices as device_logic
from tests.integration.classworks.support import bearer


def issue(api, **body):
    return api("POST", "/api/apps/auth/token", body=body)


def test_default_login_is_a_read_write_classroom_token(api):
    app = api.app()
    device = api.device(namespace=f"ns-{app['permissionPrefix']}")
    answer = issue(api, namespace=f"ns-{app['permissionPrefix']}", appId=app["id"])
    assert answer.status == 201
    body = answer.json
    assert set(body) == {"success", "token", "deviceType", "isReadOnly", "installedAt"}
    assert (body["success"], body["deviceType"], body["isReadOnly"]) == (True, "classroom", False)
    token = body["token"]
    key = f"{app['permissionPrefix']}.x"
    assert api("POST", f"/api/kv/{key}", body={"a": 1}, headers=bearer(token)).status == 200
    assert api("POST", "/api/kv/elsewhere.x", body={"a": 1}, headers=bearer(token)).status == 403
    assert api("GET", "/api/kv/_info", headers=bearer(token)).json["device"]["uuid"] == device
    # A second login is a second token; both are listed with the device's apps, and uninstall ends both.
    again = issue(api, namespace=f"ns-{app['permissionPrefix']}", appId=str(app["id"])).json["token"]
    assert again != token
    listed = api("GET", f"/api/devices/{device}/apps").json
    assert {i["token"] for i in listed["installs"]} == {token, again}
    api("DELETE", f"/api/apps/{app['id']}/uninstall/{device}")
    assert api("GET", "/api/kv/_info", headers=bearer(token)).status == 401
    assert api("GET", "/api/kv/_info", headers=bearer(again)).status == 401


def test_a_device_password_locks_the_default_login(api):
    app = api.app()
    namespace = f"locked-{app['permissionPrefix']}"
    device = api.device(namespace=namespace)
    api("PUT", f"/api/apps/devices/{device}/password", body={"newPassword": "teacher-pw"})
    assert issue(api, namespace=namespace, appId=app["id"]).json == {"statusCode": 401, "message": "需要提供密码"}
    assert issue(api, namespace=namespace, appId=app["id"], password="wrong").json == {
        "statusCode": 401, "message": "密码不正确"}
    ok = issue(api, namespace=namespace, appId=app["id"], password="teacher-pw")
    assert (ok.status, ok.json["deviceType"], ok.json["isReadOnly"]) == (201, "classroom", False)


def test_operator_logins_decide_type_and_read_only(api):
    app = api.app()
    namespace = f"cfg-{app['permissionPrefix']}"
    device = api.device(namespace=namespace)
    device_logic.add_auth_config(device, password="pupil", device_type="student", read_only=True, config_id="s")
    student = issue(api, namespace=namespace, appId=app["id"], password="pupil").json
    assert (student["deviceType"], student["isReadOnly"]) == ("student", True)
    about = api("GET", "/api/kv/_token", headers=bearer(student["token"])).json
    assert (about["deviceType"], about["isReadOnly"]) == ("student", True)
    open_login = issue(api, namespace=namespace, appId=app["id"]).json  # the default login still exists
    assert (open_login["deviceType"], open_login["isReadOnly"]) == ("classroom", False)


def test_auth_token_errors(api):
    app = api.app()
    api.device(namespace=f"err-{app['permissionPrefix']}")
    assert issue(api, appId=app["id"]).json == {"statusCode": 400, "message": "需要提供 namespace"}
    assert issue(api, namespace="x").json == {"statusCode": 400, "message": "需要提供 appId"}
    assert issue(api, namespace="no-such-namespace", appId=app["id"]).json == {
        "statusCode": 404, "message": "设备不存在或 namespace 不正确"}
    assert issue(api, namespace=f"err-{app['permissionPrefix']}", appId=424242).json == {
        "statusCode": 404, "message": "应用不存在"}
    assert api("POST", "/api/apps/auth/token").status == 400


def test_one_token_can_be_labelled_and_revoked_alone(api):
    app = api.app()
    namespace = f"mgmt-{app['permissionPrefix']}"
    device = api.device(namespace=namespace)
    phone = issue(api, namespace=namespace, appId=app["id"]).json["token"]
    board = api.install(app["id"], device)
    labelled = api("PUT", f"/api/apps/tokens/{phone}/note", body={"note": "小明的手机"})
    assert labelled.status == 200
    assert set(labelled.json) == {"success", "token", "note", "updatedAt"}
    assert (labelled.json["token"], labelled.json["note"]) == (phone, "小明的手机")
    assert api("GET", "/api/kv/_token", headers=bearer(phone)).json["note"] == "小明的手机"
    assert api("PUT", f"/api/apps/tokens/{phone}/note", body={"note": "x" * 192}).status == 400
    assert api("PUT", "/api/apps/tokens/cw_nope/note", body={"note": "x"}).json == {"statusCode": 404,
                                                                                  "message": "Token不存在"}
    revoked = api("DELETE", f"/api/apps/tokens/{phone}")
    assert (revoked.status, revoked.text) == (204, "")
    assert api("GET", "/api/kv/_info", headers=bearer(phone)).status == 401
    assert api("GET", "/api/kv/_info", headers=bearer(board)).status == 200  # the app's other tokens stay
    assert api("DELETE", f"/api/apps/tokens/{phone}").status == 404
    assert [i["token"] for i in api("GET", f"/api/devices/{device}/apps").json["installs"]] == [board]
