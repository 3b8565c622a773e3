"""OAuth for upstream accounts against fakes of claude.ai, console.anthropic.com and auth.openai.com: PKCE
URLs, code exchange and session-key sign-in answer a single-use handle, never the tokens."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest

from devstack.fake_provider import FakeProvider
from tests.integration.relay.support import Relay, provider_overrides

TOKENS = {"access_token": "sk-ant-oat01-CANARY-access", "refresh_token": "sk-ant-ort01-CANARY-refresh",
          "expires_in": 28800, "scope": "user:profile user:inference", "organization": {"uuid": "org-1"}}


@pytest.fixture
def fake():
    with FakeProvider() as provider:
        yield provider


@pytest.fixture
def relay_fake(moto_stack, monkeypatch, empty_relay, fake):
    return Relay(moto_stack, monkeypatch, **provider_overrides(fake.url))


def test_generate_url_is_pkce_s256(relay_fake, admin, fake):
    answer = relay_fake.post("/api/admin/oauth/generate-url", admin, {"platform": "claude"})
    assert answer.status == 200, answer.text
    data = answer.json["data"]
    query = parse_qs(urlsplit(data["auth_url"]).query)
    assert data["auth_url"].startswith(fake.url + "/oauth/authorize?")
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert query["scope"] == ["user:profile user:inference"]
    assert data["session_id"]
    openai = relay_fake.post("/api/admin/oauth/generate-url", admin, {"type": "openai"}).json["data"]
    assert "codex_cli_simplified_flow=true" in openai["auth_url"]
    assert relay_fake.post("/api/admin/oauth/generate-url", admin, {"platform": "gemini"}).status == 400


def test_exchange_answers_a_handle_the_account_create_redeems_once(relay_fake, admin, fake):
    relay = relay_fake
    fake.respond(json=TOKENS, path="/v1/oauth/token")
    started = relay.post("/api/admin/oauth/generate-url", admin, {"platform": "claude"}).json["data"]
    challenge = parse_qs(urlsplit(started["auth_url"]).query)["code_challenge"][0]
    exchanged = relay.post("/api/admin/oauth/exchange", admin, {"platform": "claude", "code": "the-code#st",
                                                                "session_id": started["session_id"]})
    assert exchanged.status == 200, exchanged.text
    handle = exchanged.json["data"]
    assert TOKENS["access_token"] not in exchanged.text
    assert TOKENS["refresh_token"] not in exchanged.text
    assert handle["access_token"].startswith("oauth:")
    assert handle["organization_id"] == "org-1"
    sent = fake.requests[-1].json
    assert (sent["code"], sent["state"], sent["grant_type"]) == ("the-code", "st", "authorization_code")
    verifier_digest = base64.urlsafe_b64encode(hashlib.sha256(sent["code_verifier"].encode()).digest())
    assert verifier_digest.rstrip(b"=").decode() == challenge
    again = relay.post("/api/admin/oauth/exchange", admin, {"platform": "claude", "code": "x",
                                                            "session_id": started["session_id"]})
    assert again.status == 400, "an OAuth session is single use"
    # the UI copies access_token and refresh_token into the account it creates
    account = relay.post("/api/admin/accounts", admin, {"name": "claude-max", "type": "claude-official",
                                                        "access_token": handle["access_token"],
                                                        "refresh_token": handle["refresh_token"]})
    assert account.status == 201, account.text
    assert account.json["data"]["organization_id"] == "org-1"
    assert account.json["data"]["token_expiry"]
    relay.env("relay.AdminAccountsFunction")
    from relay.logic import accounts  # noqa: PLC0415
    from relay.store import accounts as store  # noqa: PLC0415

    creds = accounts.credentials_of(store.get(account.json["data"]["id"]))
    assert creds == {"access_token": TOKENS["access_token"], "refresh_token": TOKENS["refresh_token"]}
    reused = relay.post("/api/admin/accounts", admin, {"name": "again", "type": "claude-official",
                                                       "access_token": handle["access_token"]})
    assert reused.status == 400, "a handle is redeemed once"


def test_a_refused_code_is_400_and_a_provider_failure_502(relay_fake, admin, fake):
    relay = relay_fake
    fake.respond(status=400, json={"error": "invalid_grant"}, path="/v1/oauth/token", times=1)
    started = relay.post("/api/admin/oauth/generate-url", admin, {"platform": "claude"}).json["data"]
    refused = relay.post("/api/admin/oauth/exchange", admin, {"platform": "claude", "code": "bad",
                                                              "session_id": started["session_id"]})
    assert refused.status == 400
    fake.fail(times=None, status=500, path="/v1/oauth/token")
    started = relay.post("/api/admin/oauth/generate-url", admin, {"platform": "claude"}).json["data"]
    failed = relay.post("/api/admin/oauth/exchange", admin, {"platform": "claude", "code": "c",
                                                             "session_id": started["session_id"]})
    assert failed.status == 502


def test_cookie_auth_signs_a_session_key_in(relay_fake, admin, fake):
    relay = relay_fake
    fake.respond(json=[{"uuid": "org-chat", "capabilities": ["chat", "claude_pro"]}], path="/api/organizations")
    fake.respond(json={"redirect_uri": "https://console.anthropic.com/oauth/code/callback?code=cc&state=ss"},
                 path="/v1/oauth/org-chat/authorize")
    fake.respond(json={**TOKENS, "organization": None}, path="/v1/oauth/token")
    answer = relay.post("/api/admin/oauth/cookie-auth", admin, {"platform": "claude",
                                                               "session_key": "sk-ant-sid01-CANARY"})
    assert answer.status == 200, answer.text
    assert answer.json["data"]["organization_id"] == "org-chat"
    assert TOKENS["access_token"] not in answer.text
    organizations = next(r for r in fake.requests if r.path == "/api/organizations")
    assert organizations.headers["Cookie"] == "sessionKey=sk-ant-sid01-CANARY"
    exchange = next(r for r in fake.requests if r.path == "/v1/oauth/token")
    assert (exchange.json["code"], exchange.json["state"]) == ("cc", "ss")
    docs_shape = relay.post("/api/admin/oauth/cookie-auth", admin, {"type": "openai", "cookie": "x"})
    assert docs_shape.status == 400
