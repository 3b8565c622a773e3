"""Public sign-in: captcha (single use even after a wrong answer, 5-minute life, per-IP limit), login limiter
(3 per 5 minutes per IP, reset on success), registration, and JWTs that stop working the moment their user is
disabled or deleted."""

from __future__ import annotations

import base64

import pytest

from tests.integration.relay.support import PASSWORD


@pytest.fixture
def steady_windows(relay, monkeypatch):
    """The limiters' clock fixed mid-window (for 60 s and 300 s windows), so no test straddles two windows."""
    env = relay.env("relay.AuthFunction")
    from suite.ratelimit import limiter_for  # noqa: PLC0415

    limiter = limiter_for(env["RELAY_STATE_TABLE"], sort_key=("sk", "RL"))
    monkeypatch.setattr(limiter, "_clock", lambda: 1_800_000_150.0)


@pytest.fixture
def captcha_on(relay, monkeypatch):
    relay.configure(captcha_enabled="true")
    codes = iter(["1234", "5678", "9012", "3456", "7890", "2468"])
    from relay import ids  # noqa: PLC0415

    monkeypatch.setattr(ids, "captcha_code", lambda: next(codes))
    yield
    relay.configure(captcha_enabled="false")


def test_status_reports_the_switches(relay):
    answer = relay.get("/api/auth/captcha/status")
    assert answer.status == 200
    assert answer.json == {"code": 0, "message": "success",
                           "data": {"captcha_enabled": False, "login_rate_limit_enabled": False}}


def test_captcha_is_a_png_data_url_and_single_use_even_after_a_wrong_answer(relay, user, captcha_on):
    first = relay.get("/api/auth/captcha", source_ip="10.0.0.1").json["data"]
    assert first["enabled"] is True
    assert first["captcha_id"]
    assert base64.b64decode(first["image"].removeprefix("data:image/png;base64,"))[:8] == b"\x89PNG\r\n\x1a\n"
    wrong = relay.post("/api/auth/login", body={"username": user.username, "password": PASSWORD,
                                                "captcha_id": first["captcha_id"], "captcha": "0000"})
    assert (wrong.status, wrong.json["message"]) == (400, "验证码错误")
    again = relay.post("/api/auth/login", body={"username": user.username, "password": PASSWORD,
                                                "captcha_id": first["captcha_id"], "captcha": "1234"})
    assert again.status == 400, "a captcha answered wrongly once must be gone"
    second = relay.get("/api/auth/captcha", source_ip="10.0.0.1").json["data"]
    right = relay.post("/api/auth/login", body={"username": user.username, "password": PASSWORD,
                                                "captcha_id": second["captcha_id"], "captcha": "5678"})
    assert right.status == 200, right.text
    replay = relay.post("/api/auth/login", body={"username": user.username, "password": PASSWORD,
                                                 "captcha_id": second["captcha_id"], "captcha": "5678"})
    assert replay.status == 400


def test_captcha_expires_after_five_minutes(relay, user, captcha_on, monkeypatch):
    from relay import clock  # noqa: PLC0415

    issued = relay.get("/api/auth/captcha", source_ip="10.0.0.2").json["data"]
    later = clock.now() + 301
    monkeypatch.setattr(clock, "now", lambda: later)
    answer = relay.post("/api/auth/login", body={"username": user.username, "password": PASSWORD,
                                                 "captcha_id": issued["captcha_id"], "captcha": "1234"})
    assert answer.status == 400


def test_login_without_captcha_when_it_is_on_is_refused(relay, user, captcha_on):
    answer = relay.post("/api/auth/login", body={"username": user.username, "password": PASSWORD})
    assert (answer.status, answer.json["message"]) == (400, "请输入验证码")


def test_captcha_has_its_own_per_ip_limit(relay, captcha_on, steady_windows):
    relay.configure(captcha_rate_limit="2")
    try:
        statuses = [relay.get("/api/auth/captcha", source_ip="10.9.9.9").status for _ in range(3)]
        assert statuses == [200, 200, 429]
        assert relay.get("/api/auth/captcha", source_ip="10.9.9.8").status == 200
    finally:
        relay.configure(captcha_rate_limit="10")


def test_login_limiter_three_per_five_minutes_per_ip_reset_on_success(relay, user, steady_windows):
    relay.configure(login_rate_limit_enable="true")
    try:
        wrong = {"username": user.username, "password": "wrong-password"}
        assert [relay.post("/api/auth/login", body=wrong, source_ip="10.1.1.1").status for _ in range(3)] == \
            [401, 401, 401]
        blocked = relay.post("/api/auth/login", body={"username": user.username, "password": PASSWORD},
                             source_ip="10.1.1.1")
        assert blocked.status == 429
        assert int(blocked.headers["retry-after"]) > 0
        assert blocked.json["code"] == 429
        other_ip = relay.post("/api/auth/login", body=wrong, source_ip="10.1.1.2")
        assert other_ip.status == 401
        good = relay.post("/api/auth/login", body={"username": user.username, "password": PASSWORD},
                          source_ip="10.1.1.2")
        assert good.status == 200
        again = [relay.post("/api/auth/login", body=wrong, source_ip="10.1.1.2").status for _ in range(3)]
        assert again == [401, 401, 401], "a successful login resets the window"
    finally:
        relay.configure(login_rate_limit_enable="false")


def test_login_answers_a_token_and_the_user(relay, user):
    answer = relay.post("/api/auth/login", body={"username": user.username, "password": PASSWORD})
    data = answer.json["data"]
    assert answer.status == 200
    assert data["token"].count(".") == 2
    assert data["user"]["username"] == user.username
    assert data["user"]["role"] == "user"
    assert "password" not in answer.text
    assert "password_hash" not in answer.text
    profile = relay.get("/api/profile", headers={"Authorization": f"Bearer {data['token']}"})
    assert profile.status == 200
    assert profile.json["data"]["id"] == user.id


def test_wrong_password_and_unknown_user_look_the_same(relay, user):
    wrong = relay.post("/api/auth/login", body={"username": user.username, "password": "nope-nope"})
    unknown = relay.post("/api/auth/login", body={"username": "nobody-here", "password": "nope-nope"})
    assert (wrong.status, wrong.json) == (unknown.status, unknown.json) == (
        401, {"code": 401, "message": "invalid username or password"})


def test_register_creates_an_active_user_with_the_defaults(relay):
    answer = relay.post("/api/auth/register", body={"username": "newcomer", "password": "s3cret!", "email": ""})
    assert answer.status == 201
    assert answer.json["message"] == "created"
    data = answer.json["data"]
    assert (data["role"], data["status"], data["balance"], data["price_rate"], data["max_concurrency"]) == (
        "user", "active", 0, 1, 10)
    duplicate = relay.post("/api/auth/register", body={"username": "NewComer", "password": "s3cret!"})
    assert (duplicate.status, duplicate.json["message"]) == (400, "username already exists")
    relay.post("/api/auth/register", body={"username": "mailer1", "password": "s3cret!", "email": "m@example.com"})
    clash = relay.post("/api/auth/register", body={"username": "mailer2", "password": "s3cret!",
                                                   "email": "M@example.com"})
    assert (clash.status, clash.json["message"]) == (400, "email already exists")


@pytest.mark.parametrize("body", [{"username": "ab", "password": "s3cret!"}, {"username": "abc", "password": "12345"},
                                  {"username": "abc", "password": "s3cret!", "email": "not-an-email"}, {}])
def test_register_refuses_bad_bodies(relay, body):
    answer = relay.post("/api/auth/register", body=body)
    assert answer.status == 400
    assert answer.json["code"] == 400


def test_disabled_user_token_stops_at_once_and_works_again_when_enabled(relay, admin, user):
    assert relay.get("/api/profile", user).status == 200
    assert relay.put(f"/api/admin/users/{user.id}", admin, {"status": "disabled"}).status == 200
    refused = relay.get("/api/profile", user)
    assert refused.status == 401
    assert refused.json["code"] == 401
    assert relay.get("/api/api-keys", user).status == 401
    login = relay.post("/api/auth/login", body={"username": user.username, "password": PASSWORD})
    assert login.status == 401
    relay.put(f"/api/admin/users/{user.id}", admin, {"status": "active"})
    assert relay.get("/api/profile", user).status == 200


def test_deleted_user_token_stops(relay, admin):
    doomed = relay.person("user")
    assert relay.delete(f"/api/admin/users/{doomed.id}", admin).status == 200
    assert relay.get("/api/profile", doomed).status == 401


def test_demoted_admin_loses_admin_routes_at_once(relay, admin):
    other = relay.person("admin")
    assert relay.get("/api/admin/users", other).status == 200
    relay.put(f"/api/admin/users/{other.id}", admin, {"role": "user"})
    assert relay.get("/api/admin/users", other).status == 403


def test_tokens_are_hs256_pinned(relay, user):
    import jwt  # noqa: PLC0415

    header = jwt.get_unverified_header(user.token)
    assert header["alg"] == "HS256"
    claims = jwt.decode(user.token, options={"verify_signature": False})
    assert claims["role"] == "user"
    assert claims["user_id"] == user.id
    assert claims["exp"] - claims["iat"] == 86400
    forged = jwt.encode({**claims}, "", algorithm="none", headers={"kid": header["kid"]})
    assert relay.get("/api/profile", headers={"Authorization": f"Bearer {forged}"}).status == 401
    assert relay.get("/api/profile", headers={"Authorization": "Bearer not.a.token"}).status == 401
    assert relay.get("/api/profile").status == 401


def test_password_change_checks_the_old_one_and_ends_older_tokens(relay, monkeypatch):
    person = relay.person("user")
    wrong = relay.put("/api/profile/password", person, {"old_password": "nope-nope", "new_password": "n3w-pass"})
    assert (wrong.status, wrong.json["message"]) == (400, "incorrect old password")
    from relay import clock  # noqa: PLC0415

    later = clock.now() + 2
    monkeypatch.setattr(clock, "now", lambda: later)
    changed = relay.put("/api/profile/password", person, {"old_password": PASSWORD, "new_password": "n3w-pass"})
    assert changed.status == 200
    assert relay.get("/api/profile", person).status == 401, "a token from before the change must stop"
    fresh = changed.json["data"]["token"]
    assert relay.get("/api/profile", headers={"Authorization": f"Bearer {fresh}"}).status == 200
    login = relay.post("/api/auth/login", body={"username": person.username, "password": "n3w-pass"})
    assert login.status == 200
