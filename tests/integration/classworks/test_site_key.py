"""X-Site-Key: enforced only when configured (Secrets Manager), from header, ?sitekey or body sitekey."""

import os


def test_not_configured_means_open(api):
    assert api("GET", "/api/apps").status == 200
    assert api("GET", "/api/apps", headers={"X-Site-Key": "anything"}).status == 200


def test_configured_key_is_required_on_every_apps_route(api, site_key):
    app = api.app()
    device = api.device()
    routes = [("GET", "/api/apps"), ("GET", "/api/apps/with-permission-key"), ("GET", f"/api/apps/{app['id']}"),
              ("GET", "/api/apps/token/cw_x/permissions"), ("POST", f"/api/apps/{app['id']}/install/{device}"),
              ("DELETE", f"/api/apps/{app['id']}/uninstall/{device}"), ("GET", f"/api/devices/{device}/apps")]
    for method, path in routes:
        for headers in (None, {"X-Site-Key": "wrong"}, {"X-Site-Key": "s3cret-sit"}, {"X-Site-Key": ""}):
            answer = api(method, path, headers=headers)
            assert (answer.status, answer.json) == (401, {"statusCode": 401, "message": "无效的站点密钥"}), path
    assert api("GET", "/api/apps", headers={"x-site-key": "s3cret-site"}).status == 200
    assert api("GET", "/api/apps", query={"sitekey": "s3cret-site"}).status == 200
    installed = api("POST", f"/api/apps/{app['id']}/install/{device}", body={"sitekey": "s3cret-site"})
    assert installed.status == 200
    assert api("GET", f"/api/devices/{device}/apps", query={"sitekey": "s3cret-site"}).json["total"] == 1


def test_other_groups_do_not_need_the_site_key(api, site_key):
    assert api("POST", "/api/devices", body={"uuid": "sk-free", "deviceName": "x"}).status == 201
    assert api("POST", "/api/auth/device/code").status == 200
    assert api("GET", "/api/kv/_info").status == 401  # the app token is what counts there


def test_the_secret_arn_comes_from_the_template(api):
    env = api.env("classworks.AppsFunction")
    assert env["SITE_KEY_SECRET_ARN"].startswith("arn:aws:secretsmanager:")
    assert os.environ["SITE_KEY_SECRET_ARN"] == env["SITE_KEY_SECRET_ARN"]
