"""Auth: setup once, login/verify/logout, both token headers, the static token, every /api route protected,
change-password revoking every token, argon2id storage, login throttling, e-mail password reset."""

import re

import pytest
from moto.ses.models import ses_backends

from kook.store import settings
from suite import aws
from tests.integration.kook.conftest import PASSWORD, KookApi

PUBLIC = {("GET", "/health"), ("GET", "/"), ("POST", "/api/auth/login"), ("POST", "/api/auth/verify"),
          ("POST", "/auth/login"), ("POST", "/auth/setup"), ("GET", "/auth/status"), ("POST", "/auth/reset-password"),
          ("GET", "/api/password-reset/check-email-config"), ("POST", "/api/password-reset/send-code"),
          ("POST", "/api/password-reset/verify-code"), ("POST", "/api/password-reset/reset-password"),
          ("POST", "/kook/webhook/{account_id}")}  # KOOK's webhook is checked by the account's verify_token


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: "backup_20250101_000000" if m.group(1) == "filename" else
                  ("linux" if m.group(1) == "platform" else "1"), path)


def every_route(client: KookApi) -> list[tuple[str, str]]:
    return sorted({(r.method, r.path) for f in client.functions for r in f.routes} - {
        ("GET", "/openapi.json"), ("GET", "/swagger")})


def test_setup_works_once_and_status_reports_it(anonymous):
    assert anonymous.get("/auth/status", token=None).body == {"success": True, "password_set": False}
    first = anonymous.post("/auth/setup", {"password": "first-pass"}, token=None)
    assert first.status == 200
    assert first.body["token"].startswith("kk_")
    assert first.body["expires_in"] == 2592000
    again = anonymous.post("/auth/setup", {"password": "other-pass"}, token=None)
    assert again.status == 409
    assert again.body["error_code"] == "PERMISSION_DENIED"
    assert anonymous.get("/auth/status", token=None).body["password_set"] is True
    assert settings.auth_settings()["password_hash"].startswith("$argon2id$")  # never SHA-256


@pytest.mark.parametrize("password", ["12345", "x" * 21])
def test_password_must_be_6_to_20_characters(anonymous, password):
    answer = anonymous.post("/auth/setup", {"password": password}, token=None)
    assert answer.status == 400
    assert answer.body["error_code"] == "INVALID_PARAM"
    assert answer.body["solution"]
    assert set(answer.body) >= {"success", "error_code", "error_message", "solution", "timestamp"}


def test_login_answers_the_documented_shape(api):
    answer = api.post("/api/auth/login", {"password": PASSWORD}, token=None)
    assert answer.status == 200
    assert set(answer.body) == {"success", "token", "expires_in"}
    assert answer.body["expires_in"] == 2592000
    original = api.post("/auth/login", {"password": PASSWORD, "remember": False}, token=None)
    assert original.body["remember"] is False
    assert original.body["message"]
    assert original.body["expires_in"] == 86400


def test_wrong_password_is_refused(api):
    answer = api.post("/api/auth/login", {"password": "not-the-password"}, token=None)
    assert answer.status == 401
    assert answer.body["error_code"] == "WRONG_PASSWORD"


def test_every_api_route_requires_a_token(api):
    routes = every_route(api)
    assert len(routes) > 80
    for method, path in routes:
        if (method, path) in PUBLIC:
            continue
        for token in (None, "garbage-token"):
            answer = api.call(method, concrete(path), {} if method in ("POST", "PUT") else None, token=token)
            assert answer.status == 401, (method, path, token, answer.body)
            assert answer.body["error_code"] in ("AUTH_FAILED", "INVALID_TOKEN")


def test_public_routes_answer_without_a_token(anonymous):
    assert anonymous.get("/health", token=None).body == {"status": "healthy"}
    banner = anonymous.get("/", token=None).body
    assert banner["status"] == "running"
    assert banner["version"] == "1.11.0"


def test_bearer_and_x_api_token_both_work(api):
    assert api.get("/api/mappings", token=None, headers={"authorization": f"Bearer {api.token}"}).status == 200
    assert api.get("/api/mappings", token=None, headers={"x-api-token": api.token}).status == 200


def test_static_token_from_configuration(api):
    api.setenv("API_TOKEN", "static-token-for-scripts-0123456789")
    assert api.get("/api/bots", token="static-token-for-scripts-0123456789").status == 200
    assert api.post("/api/auth/verify", {"token": "static-token-for-scripts-0123456789"},
                    token=None).body["token_type"] == "static"
    api.setenv("API_TOKEN", "")
    assert api.get("/api/bots", token="static-token-for-scripts-0123456789").status == 401


def test_setup_requires_the_static_token_when_one_is_configured(anonymous):
    anonymous.setenv("API_TOKEN", "static-token-for-scripts-0123456789")
    assert anonymous.post("/auth/setup", {"password": "first-pass"}, token=None).status == 401
    assert anonymous.post("/auth/setup", {"password": "first-pass"},
                          token="static-token-for-scripts-0123456789").status == 200


def test_verify_routes(api):
    good = api.post("/api/auth/verify", {"token": api.token}, token=None)
    assert good.status == 200
    assert good.body["valid"] is True
    assert good.body["expires_in"] > 2591000
    bad = api.post("/api/auth/verify", {"token": "kk_nope"}, token=None)
    assert bad.status == 401
    assert bad.body["error_code"] == "INVALID_TOKEN"
    header = api.post("/auth/verify-token", token=None, headers={"authorization": f"Bearer {api.token}"})
    assert header.status == 200
    assert header.body["valid"] is True


def test_change_password_revokes_every_token(api):
    other = api.post("/auth/login", {"password": PASSWORD}, token=None).body["token"]
    answer = api.post("/api/auth/change-password", {"old_password": PASSWORD, "new_password": "brand-new-1"})
    assert answer.status == 200
    for token in (api.token, other):
        assert api.get("/api/accounts", token=token).status == 401
    assert api.post("/api/auth/login", {"password": PASSWORD}, token=None).status == 401
    assert api.post("/api/auth/login", {"password": "brand-new-1"}, token=None).status == 200
    assert list(settings.dynamo.query_partition(settings.config.get().config_table, settings.TOKENS)) != []


def test_change_password_checks_the_old_one(api):
    answer = api.post("/auth/change-password", {"old_password": "wrong-one", "new_password": "brand-new-1"})
    assert answer.status == 401
    assert answer.body["error_code"] == "WRONG_PASSWORD"
    assert api.get("/api/accounts").status == 200  # nothing revoked


def test_logout_revokes_only_that_token(api):
    other = api.post("/api/auth/login", {"password": PASSWORD}, token=None).body["token"]
    assert api.post("/auth/logout").status == 200
    assert api.get("/api/accounts").status == 401
    assert api.get("/api/accounts", token=other).status == 200


def test_login_is_throttled_per_client(api):
    answers = [api.post("/api/auth/login", {"password": "wrong-guess"}, token=None, source_ip="203.0.113.9")
               for _ in range(11)]
    assert [a.status for a in answers[:10]] == [401] * 10
    assert answers[10].status == 429
    assert answers[10].body["error_code"] == "RATE_LIMIT_EXCEEDED"
    assert int(answers[10].headers["retry-after"]) >= 1
    # even the right password waits for the window; another client is not affected
    assert api.post("/api/auth/login", {"password": PASSWORD}, token=None, source_ip="203.0.113.9").status == 429
    assert api.post("/api/auth/login", {"password": PASSWORD}, token=None, source_ip="203.0.113.10").status == 200


def _sent_code() -> str:
    messages = ses_backends["123456789012"]["us-east-1"].sent_messages
    return re.search(r"\b(\d{6})\b", messages[-1].body).group(1)


def test_password_reset_by_email(api):
    api.setenv("RESET_EMAIL_TO", "admin@example.com")
    api.setenv("RESET_EMAIL_FROM", "noreply@example.com")
    aws.client("ses").verify_email_identity(EmailAddress="noreply@example.com")
    assert api.get("/api/password-reset/check-email-config", token=None).body == {
        "success": True, "configured": True, "email": "ad****@example.com"}
    assert api.post("/api/password-reset/send-code", {"email": "admin@example.com"}, token=None).status == 200
    code = _sent_code()
    wrong = "000000" if code != "000000" else "111111"
    assert api.post("/api/password-reset/verify-code", {"code": wrong}, token=None).body[
        "error_code"] == "VERIFICATION_CODE_INVALID"
    assert api.post("/api/password-reset/verify-code", {"code": code}, token=None).status == 200
    reset = api.post("/auth/reset-password", {"verification_code": code, "new_password": "after-reset-1"}, token=None)
    assert reset.status == 200
    assert api.get("/api/accounts").status == 401  # the old token was revoked
    assert api.post("/api/auth/login", {"password": "after-reset-1"}, token=None).status == 200
    again = api.post("/api/password-reset/reset-password", {"code": code, "new_password": "second-try-1"}, token=None)
    assert again.status == 400  # a code works once


def test_password_reset_without_email_configuration(anonymous):
    answer = anonymous.post("/api/password-reset/send-code", {}, token=None)
    assert answer.status == 503
    assert answer.body["error_code"] == "EMAIL_NOT_CONFIGURED"
