"""Sign-in and binding with GitHub and WeChat (fake providers on 127.0.0.1) and with a Solana wallet (PyNaCl keys)."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from aws_lambda_powertools.utilities import parameters
from nacl.signing import SigningKey

from certctrl.logic.sign_in import b58decode, b58encode
from devstack.fake_provider import FakeProvider
from suite import aws
from tests.integration.certctrl.conftest import fresh_address
from tests.integration.certctrl.support import new_account, session_cookie
from tests.support.api_client import ApiClient

FRONT = "https://cjj365.cc"


def cookies(answer) -> dict[str, str]:
    found = {}
    for cookie in answer.raw.get("cookies") or []:
        name, _, rest = cookie.partition("=")
        found[name] = rest.split(";", 1)[0]
    return found


@pytest.fixture(scope="module")
def providers(moto_stack):
    with FakeProvider() as fake, pytest.MonkeyPatch.context() as monkeypatch:
        client = ApiClient(moto_stack, "certctrl", monkeypatch)
        env = client.use_env("certctrl.SignInFunction")
        secret = json.dumps({"github": {"client_id": "gh-client", "client_secret": "gh-secret"},
                             "weixin": {"app_id": "wxapp", "app_secret": "wx-secret"}})
        aws.client("secretsmanager").put_secret_value(SecretId=env["SIGN_IN_PROVIDERS_SECRET_ARN"], SecretString=secret)
        parameters.clear_caches()
        yield fake


@pytest.fixture
def client(moto_stack, monkeypatch, providers):
    providers.reset()
    return ApiClient(moto_stack, "certctrl", monkeypatch, source_ip=fresh_address(), overrides={
        "GITHUB_BASE_URL": providers.url, "GITHUB_API_BASE_URL": providers.url,
        "WEIXIN_OPEN_BASE_URL": providers.url, "WEIXIN_API_BASE_URL": providers.url})


def github_person(fake, *, user_id: int, login: str, email: str | None) -> None:
    fake.respond(json={"access_token": "gho_token", "token_type": "bearer", "scope": "read:user,user:email"},
                 path="/login/oauth/access_token", method="POST")
    fake.respond(json=[{"email": email, "primary": True, "verified": True}] if email else [],
                 path="/user/emails")
    fake.respond(json={"id": user_id, "login": login, "name": login.title()}, path="/user")


def start(client, provider: str, headers=None, **query) -> tuple[dict, str]:
    answer = client.get(f"/auth/{provider}", query=query, headers=headers or {})
    assert answer.status == 302, answer.text
    location = answer.headers["location"]
    return {**{k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}, "_url": location}, \
        cookies(answer)["cjj365_oauth"]


def callback(client, provider: str, params: dict, browser: str | None, extra_headers=None):
    headers = {"Cookie": f"cjj365_oauth={browser}"} if browser else {}
    if extra_headers:
        headers["Cookie"] = "; ".join(filter(None, [headers.get("Cookie"), extra_headers["Cookie"]]))
    return client.get(f"/auth/{provider}/callback", query={"code": "the-code", "state": params["state"]},
                      headers=headers)


def test_a_first_github_sign_in_makes_an_account(client, providers):
    login = f"octo{uuid.uuid4().hex[:6]}"
    email = f"{login}@users.example.com"
    github_person(providers, user_id=int(uuid.uuid4().int % 10**9), login=login, email=email)
    params, browser = start(client, "github", return_to="/dashboard")
    assert params["_url"].startswith(f"{providers.url}/login/oauth/authorize?")
    assert params["client_id"] == "gh-client"
    assert params["code_challenge_method"] == "S256"
    assert params["redirect_uri"] == "https://api.cjj365.cc/auth/github/callback"
    done = callback(client, "github", params, browser)
    assert done.status == 302, done.text
    assert done.headers["location"] == f"{FRONT}/dashboard"
    exchange = next(r for r in providers.requests if r.path == "/login/oauth/access_token")
    form = parse_qs(exchange.body.decode())
    verifier = form["code_verifier"][0]
    assert base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode() == \
        params["code_challenge"]
    assert form["client_secret"] == ["gh-secret"]
    assert form["code"] == ["the-code"]
    cookie = session_cookie(done)
    status = client.get("/auth/status", headers={"Cookie": f"cjj365={cookie}"}).json["data"]
    assert status["user"]["email"] == email
    assert status["user"]["name"] == login
    assert status["amr"] == ["github"]
    bindings = client.get("/auth/third-party-bindings", headers={"Cookie": f"cjj365={cookie}"}).json["data"]
    assert [(b["provider"], b["display_name"]) for b in bindings] == [("github", login.title())]
    # the next sign-in finds the binding (no second account)
    params, browser = start(client, "github")
    again = callback(client, "github", params, browser)
    assert again.headers["location"] == f"{FRONT}/"
    assert session_cookie(again)
    status = client.get("/auth/status", headers={"Cookie": f"cjj365={session_cookie(again)}"}).json["data"]
    assert status["user"]["id"] == client.get("/auth/status", headers={"Cookie": f"cjj365={cookie}"}).json[
        "data"]["user"]["id"]


def test_the_state_works_once_and_in_its_own_browser(client, providers):
    github_person(providers, user_id=77, login="someone", email=None)
    params, browser = start(client, "github")
    stolen = callback(client, "github", params, "another-browser")
    assert stolen.headers["location"] == f"{FRONT}/login?error=invalid_state"
    assert not session_cookie(stolen)
    params, browser = start(client, "github")
    first = callback(client, "github", params, browser)
    assert first.headers["location"] == f"{FRONT}/login?error=not_bound"  # no verified address: no new account
    assert callback(client, "github", params, browser).headers["location"] == f"{FRONT}/login?error=invalid_state"


def test_an_address_of_an_existing_account_is_not_joined_but_can_be_bound(client, providers):
    account = new_account(client)
    github_id = int(uuid.uuid4().int % 10**9)
    github_person(providers, user_id=github_id, login="existing", email=account.email)
    params, browser = start(client, "github")
    assert callback(client, "github", params, browser).headers["location"] == f"{FRONT}/login?error=account_exists"
    params, browser = start(client, "github", headers=account.headers, mode="bind", return_to="/settings")
    bound = callback(client, "github", params, browser)
    assert bound.headers["location"] == f"{FRONT}/settings?bound=github"
    params, browser = start(client, "github")
    signed_in = callback(client, "github", params, browser)
    status = client.get("/auth/status", headers={"Cookie": f"cjj365={session_cookie(signed_in)}"}).json["data"]
    assert status["user"]["id"] == account.user_id
    other = new_account(client)
    params, browser = start(client, "github", headers=other.headers, mode="bind")
    assert callback(client, "github", params, browser).headers["location"] == f"{FRONT}/login?error=already_bound"


def test_binding_needs_the_session(client):
    assert client.get("/auth/github", query={"mode": "bind"}).status == 401
    assert client.get("/auth/solana", query={"mode": "bind"}).status == 401


def test_a_refused_code_ends_on_the_login_page(client, providers):
    providers.respond(json={"error": "bad_verification_code"}, path="/login/oauth/access_token")
    params, browser = start(client, "github")
    assert callback(client, "github", params, browser).headers["location"] == f"{FRONT}/login?error=provider_error"
    params, browser = start(client, "github")
    denied = client.get("/auth/github/callback", query={"error": "access_denied", "state": params["state"]},
                        headers={"Cookie": f"cjj365_oauth={browser}"})
    assert denied.headers["location"] == f"{FRONT}/login?error=access_denied"


def test_wechat_signs_in_bound_accounts(client, providers):
    unionid = f"u-{uuid.uuid4().hex[:12]}"
    providers.respond(json={"access_token": "wx-token", "expires_in": 7200, "openid": "o-1", "unionid": unionid,
                            "scope": "snsapi_login"}, path="/sns/oauth2/access_token")
    providers.respond(json={"openid": "o-1", "nickname": "Wei", "unionid": unionid}, path="/sns/userinfo")
    params, browser = start(client, "weixin")
    assert params["_url"].startswith(f"{providers.url}/connect/qrconnect?")
    assert params["_url"].endswith("#wechat_redirect")
    assert params["scope"] == "snsapi_login"
    assert params["appid"] == "wxapp"
    assert "code_challenge" not in params
    assert callback(client, "weixin", params, browser).headers["location"] == f"{FRONT}/login?error=not_bound"
    token_call = next(r for r in providers.requests if r.path == "/sns/oauth2/access_token")
    assert token_call.query["secret"] == ["wx-secret"]
    assert token_call.query["grant_type"] == ["authorization_code"]
    account = new_account(client)
    params, browser = start(client, "weixin", headers=account.headers, mode="bind")
    assert callback(client, "weixin", params, browser).headers["location"] == f"{FRONT}/?bound=weixin"
    params, browser = start(client, "weixin")
    done = callback(client, "weixin", params, browser)
    status = client.get("/auth/status", headers={"Cookie": f"cjj365={session_cookie(done)}"}).json["data"]
    assert status["user"]["id"] == account.user_id
    assert status["amr"] == ["weixin"]
    bindings = client.get("/auth/third-party-bindings", headers=account.headers).json["data"]
    assert [(b["provider"], b["subject"], b["display_name"]) for b in bindings] == [("weixin", unionid, "Wei")]


def sign(key: SigningKey, message: str) -> str:
    return b58encode(key.sign(message.encode()).signature)


def test_solana_wallets_bind_and_sign_in(client):
    account = new_account(client)
    wallet = SigningKey.generate()
    public = b58encode(bytes(wallet.verify_key))
    assert b58decode(public) == bytes(wallet.verify_key)

    challenge = client.get("/auth/solana", query={"mode": "bind"}, headers=account.headers).json["data"]
    assert f"Nonce: {challenge['nonce']}" in challenge["message"]
    bound = client.get("/auth/solana", query={"mode": "bind", "nonce": challenge["nonce"], "public_key": public,
                                              "signature": sign(wallet, challenge["message"])},
                       headers=account.headers)
    assert bound.status == 200, bound.text
    assert bound.json["data"]["binding"]["provider"] == "solana"
    assert bound.json["data"]["binding"]["subject"] == public

    asked = client.get("/auth/solana")
    challenge, browser = asked.json["data"], cookies(asked)["cjj365_solana"]
    query = {"nonce": challenge["nonce"], "public_key": public, "signature": sign(wallet, challenge["message"])}
    assert client.get("/auth/solana", query=query).status == 401  # not from the browser that asked
    asked = client.get("/auth/solana")
    challenge, browser = asked.json["data"], cookies(asked)["cjj365_solana"]
    query = {"nonce": challenge["nonce"], "public_key": public, "signature": sign(wallet, challenge["message"])}
    signed_in = client.get("/auth/solana", query=query, headers={"Cookie": f"cjj365_solana={browser}"})
    assert signed_in.status == 200
    assert signed_in.json["data"]["user"]["id"] == account.user_id
    status = client.get("/auth/status", headers={"Cookie": f"cjj365={session_cookie(signed_in)}"}).json["data"]
    assert status["amr"] == ["solana"]
    again = client.get("/auth/solana", query=query, headers={"Cookie": f"cjj365_solana={browser}"})
    assert again.status == 401  # the nonce is used


def test_solana_refuses_wrong_signatures_and_unbound_wallets(client):
    wallet, stranger = SigningKey.generate(), SigningKey.generate()
    public = b58encode(bytes(wallet.verify_key))
    asked = client.get("/auth/solana")
    challenge, browser = asked.json["data"], cookies(asked)["cjj365_solana"]
    headers = {"Cookie": f"cjj365_solana={browser}"}
    forged = client.get("/auth/solana", query={"nonce": challenge["nonce"], "public_key": public,
                                               "signature": sign(stranger, challenge["message"])}, headers=headers)
    assert forged.status == 401
    asked = client.get("/auth/solana")
    challenge, browser = asked.json["data"], cookies(asked)["cjj365_solana"]
    unbound = client.get("/auth/solana", query={"nonce": challenge["nonce"], "public_key": public,
                                                "signature": sign(wallet, challenge["message"])},
                         headers={"Cookie": f"cjj365_solana={browser}"})
    assert unbound.status == 404
    assert unbound.json["error"]["key"] == "not_bound"
    asked = client.get("/auth/solana")
    challenge, browser = asked.json["data"], cookies(asked)["cjj365_solana"]
    garbage = client.get("/auth/solana", query={"nonce": challenge["nonce"], "public_key": "0OIl",
                                                "signature": "0OIl"}, headers={"Cookie": f"cjj365_solana={browser}"})
    assert garbage.status == 400


def test_a_wallet_binds_to_one_account(client):
    alice, bob = new_account(client), new_account(client)
    wallet = SigningKey.generate()
    public = b58encode(bytes(wallet.verify_key))
    for account, expected in ((alice, 200), (bob, 409)):
        challenge = client.get("/auth/solana", query={"mode": "bind"}, headers=account.headers).json["data"]
        answer = client.get("/auth/solana", query={"mode": "bind", "nonce": challenge["nonce"], "public_key": public,
                                                   "signature": sign(wallet, challenge["message"])},
                            headers=account.headers)
        assert answer.status == expected, answer.text
