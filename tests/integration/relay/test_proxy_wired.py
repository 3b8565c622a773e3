"""The proxy with its real gate and account pool (process-local uvicorn, moto, fake LLM upstreams): keys made
through the API, accounts through the admin API; the official SDKs as clients; usage written by the usage
worker from the queue; failover and cool-down; limits refused before any upstream call; concurrency slots;
sticky sessions; OAuth refresh, one refresher at a time."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import json
import socket
import time

import anthropic
import httpx
import openai
import pytest
from aws_lambda_powertools.utilities import parameters

from devstack.fake_llm import TEXT, TOOL_ARGUMENTS, USAGE, FakeLLM
from devstack.fake_provider import FakeProvider
from tests.integration.relay.proxy_rig import Rig, served
from tests.integration.relay.support import Relay, fresh

MODEL = "claude-sonnet-4-5-20250929"  # in the default catalogue: $3 / $15 / $3.75 / $0.30 per 1M tokens
TOOL = {"name": "get_weather", "description": "Weather", "input_schema": {"type": "object", "properties": {}}}
HI = [{"role": "user", "content": "hi"}]


@pytest.fixture(scope="module")
def fakes():
    with FakeLLM() as primary, FakeLLM() as secondary, FakeProvider() as oauth:
        yield primary, secondary, oauth


@pytest.fixture(scope="module")
def server():
    from relay.routes.proxy import app  # noqa: PLC0415

    with served(app) as url:
        yield url


@pytest.fixture
def rig(moto_stack, monkeypatch, empty_relay, fakes, server):
    primary, secondary, oauth = fakes
    fresh(moto_stack)
    parameters.clear_caches()
    relay = Relay(moto_stack, monkeypatch, RELAY_TRUSTED_ORIGINS=f"{primary.url},{secondary.url}",
                  ANTHROPIC_CONSOLE_BASE_URL=oauth.url, OPENAI_AUTH_BASE_URL=oauth.url)
    relay.env("relay.ProxyFunction")
    from relay.logic import catalog, proxy_gate, proxy_setup  # noqa: PLC0415

    monkeypatch.setattr(proxy_gate, "CATALOGUE_SECONDS", 0)  # see test_a_catalogue_edit_reaches_the_proxy_...
    catalog.init_defaults()
    proxy_setup.engine.cache_clear()
    for fake in (primary, secondary, oauth):
        fake.reset()
    made = Rig(relay, server)
    made.purge()
    yield made
    proxy_setup.engine.cache_clear()


@pytest.fixture
def admin(rig):
    return rig.relay.person("admin")


@pytest.fixture
def user(rig):
    return rig.relay.person("user")


def claude(rig, key):
    return anthropic.Anthropic(api_key=key, base_url=rig.url + "/claude", max_retries=0)


def oai(rig, key):
    return openai.OpenAI(api_key=key, base_url=rig.url + "/openai/v1", max_retries=0)


def counters(rig, pk, sk="T"):
    from relay.store import usage  # noqa: PLC0415

    return usage.totals(pk, sk)


# --- the done-when: SDKs, usage ----------------------------------------------------------------------------

def test_sdks_chat_stream_and_tool_call_with_usage_counted_once(rig, fakes, admin, user):
    primary, _, _ = fakes
    account = rig.account(admin, primary.url)
    key = rig.key(user)
    client = claude(rig, key)
    message = client.messages.create(model=MODEL, max_tokens=32, messages=HI)
    assert message.content[0].text == TEXT
    with client.messages.stream(model=MODEL, max_tokens=32, messages=HI) as stream:
        assert "".join(stream.text_stream) == TEXT
    with client.messages.stream(model=MODEL, max_tokens=32, tools=[TOOL],
                                messages=[{"role": "user", "content": "weather?"}]) as stream:
        final = stream.get_final_message()
    assert next(b for b in final.content if b.type == "tool_use").input == TOOL_ARGUMENTS
    sent = primary.requests[-1]
    assert sent.headers["x-api-key"] == account["secret"]
    assert key not in json.dumps(dict(sent.headers))
    assert len(rig.drain(keep=True)) == 3
    assert len(rig.drain()) == 3  # delivered twice: counted once
    key_id = rig.admin_get("/api/admin/api-keys", admin)["items"][0]["id"]
    totals = counters(rig, f"K#{key_id}")
    assert (totals["requests"], totals["errors"]) == (3, 0)
    assert (totals["input_tokens"], totals["output_tokens"], totals["cache_creation_tokens"],
            totals["cache_read_tokens"]) == (3 * USAGE.input_tokens, 3 * USAGE.output_tokens,
                                             3 * USAGE.cache_creation_tokens, 3 * USAGE.cache_read_tokens)
    per_request = (USAGE.input_tokens * 3 + USAGE.output_tokens * 15 + USAGE.cache_creation_tokens * 3.75
                   + USAGE.cache_read_tokens * 0.3) / 1e6
    assert totals["cost"] == pytest.approx(3 * per_request)
    assert counters(rig, f"U#{user.id}")["requests"] == 3
    assert counters(rig, f"A#{account['id']}")["requests"] == 3
    logs = rig.admin_get("/api/admin/logs", admin)["items"]
    assert sorted((log["status_code"], log["input_tokens"], log["model"]) for log in logs) == [
        (200, USAGE.input_tokens, MODEL)] * 3


# --- helpers ---------------------------------------------------------------------------------------------------

def send(rig, key, *, route="claude", model=MODEL, headers=None, **extra):
    if route == "claude":
        url, body = rig.url + "/claude/v1/messages", {"model": model, "max_tokens": 8, "messages": HI}
    else:
        url, body = rig.url + "/openai/v1/chat/completions", {"model": model, "messages": HI}
    wanted = {"x-api-key": key} if key else {}
    return httpx.post(url, json={**body, **extra}, headers={**wanted, **(headers or {})}, timeout=30)


def refused(answer, status, error_type, *, route="claude"):
    """The refusal in the API's own format (so the SDKs raise their usual errors)."""
    assert answer.status_code == status, answer.text
    body = answer.json()
    if route == "claude":
        assert body["type"] == "error"
    assert body["error"]["type"] == error_type, body
    return body["error"]["message"]


def account_state(rig, admin, account_id):
    return rig.admin_get(f"/api/admin/accounts/{account_id}", admin)


def parse_iso(text):
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


# --- failover and cool-down -------------------------------------------------------------------------------------

def test_a_429_fails_over_and_the_account_rests_until_its_reset(rig, fakes, admin, user):
    primary, secondary, _ = fakes
    first = rig.account(admin, primary.url, priority=90)
    rig.account(admin, secondary.url, priority=50)
    key = rig.key(user)
    primary.rate_limit(reset_seconds=30, api="claude")
    assert claude(rig, key).messages.create(model=MODEL, max_tokens=8, messages=HI).content[0].text == TEXT
    assert (len(primary.requests), len(secondary.requests)) == (1, 1)
    rested = account_state(rig, admin, first["id"])
    assert rested["status"] == "rate_limited"
    reset = parse_iso(rested["rate_limit_reset_at"])
    assert reset == pytest.approx(time.time() + 30, abs=5)
    claude(rig, key).messages.create(model=MODEL, max_tokens=8, messages=HI)
    assert len(primary.requests) == 1, "resting: not tried again before its reset"
    from relay.logic import maintenance  # noqa: PLC0415

    assert maintenance.recover_due(reset - 1) == 0
    assert maintenance.recover_due(reset + 1) == 1
    assert account_state(rig, admin, first["id"])["status"] == "valid"
    claude(rig, key).messages.create(model=MODEL, max_tokens=8, messages=HI)
    assert len(primary.requests) == 2


def test_an_error_as_the_first_event_fails_over_and_counts_one_error_only(rig, fakes, admin, user):
    primary, secondary, _ = fakes
    first = rig.account(admin, primary.url, type="openai", priority=90)
    rig.account(admin, secondary.url, type="openai", priority=50)
    key = rig.key(user)
    primary.error_first_event("overloaded_error", api="openai")
    chunks = list(oai(rig, key).chat.completions.create(model="gpt-4.1", stream=True, messages=HI))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == TEXT
    assert (len(primary.requests), len(secondary.requests)) == (1, 1)
    state = account_state(rig, admin, first["id"])
    assert (state["status"], state["consecutive_error_count"]) == ("valid", 1), "one strike is not out"


def test_the_status_changes_only_when_the_errors_reach_the_threshold(rig, fakes, admin, user):
    primary, secondary, _ = fakes
    first = rig.account(admin, primary.url, priority=90)
    rig.account(admin, secondary.url, priority=50)
    key = rig.key(user)
    primary.overload(529, times=5, api="claude")
    for n in range(1, 6):
        assert send(rig, key).status_code == 200
        state = account_state(rig, admin, first["id"])
        assert state["consecutive_error_count"] == n
        assert state["status"] == ("overloaded" if n == 5 else "valid")
    assert parse_iso(state["rate_limit_reset_at"]) == pytest.approx(time.time() + 300, abs=10)  # unavailable_ttl
    assert len(secondary.requests) == 5
    send(rig, key)
    assert len(primary.requests) == 5, "resting"


def test_a_console_account_is_never_invalidated_an_official_one_is(rig, fakes, admin, user):
    primary, secondary, _ = fakes
    rig.relay.configure(account_error_threshold="1")
    console = rig.account(admin, primary.url)
    key = rig.key(user)
    primary.fail(401, api="claude")
    refused(send(rig, key), 401, "authentication_error")  # the upstream's own answer, passed through
    assert account_state(rig, admin, console["id"])["status"] == "overloaded"
    official = rig.account(admin, secondary.url, type="claude-official", api_key=None, access_token="oauth-token")
    secondary.fail(401, api="claude")
    send(rig, key)
    assert secondary.requests[-1].headers["authorization"] == "Bearer oauth-token"
    assert account_state(rig, admin, official["id"])["status"] == "invalid"


def test_no_account_at_all_is_a_503_in_the_apis_format(rig, fakes, admin, user):
    key = rig.key(user)
    refused(send(rig, key), 503, "no_available_account")
    refused(send(rig, key, route="openai", model="gpt-4.1"), 503, "no_available_account", route="openai")
    assert rig.drain()  # logged, not counted
    assert counters(rig, f"U#{user.id}")["requests"] == 0


# --- limits, each refused before any upstream call -------------------------------------------------------------

def test_keys_are_refused_with_their_401s(rig, fakes, admin, user):
    primary, _, _ = fakes
    rig.account(admin, primary.url)
    refused(send(rig, None), 401, "auth_failed")
    refused(send(rig, "not-a-relay-key"), 401, "key_invalid")
    refused(send(rig, "sk-" + "0" * 64), 401, "key_invalid")
    disabled = rig.key(user)
    key_id = rig.relay.get("/api/api-keys", user).json["data"][0]["id"]
    assert rig.relay.put(f"/api/api-keys/{key_id}/toggle", user).status == 200
    refused(send(rig, disabled), 401, "key_disabled")
    expired = rig.key(user, expires_at="2020-01-01T00:00:00Z")
    refused(send(rig, expired), 401, "key_expired")
    other = rig.relay.person("user")
    theirs = rig.key(other)
    assert rig.relay.put(f"/api/admin/users/{other.id}", admin, {"status": "disabled"}).status == 200
    refused(send(rig, theirs), 401, "auth_failed")
    bearer = httpx.post(rig.url + "/claude/v1/messages", headers={"authorization": f"Bearer {disabled}"},
                        json={"model": MODEL, "max_tokens": 8, "messages": HI}, timeout=30)
    refused(bearer, 401, "key_disabled")  # Authorization: Bearer (the anthropic SDK's way) is read too
    assert primary.requests == []


def test_platform_and_model_limits(rig, fakes, admin, user):
    primary, _, _ = fakes
    rig.account(admin, primary.url)
    rig.account(admin, primary.url, type="openai")
    refused(send(rig, rig.key(user, allowed_platforms="openai")), 403, "platform_forbidden")
    only = rig.key(user, allowed_models="gpt-4.1*")
    refused(send(rig, only, route="openai", model="gpt-4o"), 403, "model_forbidden", route="openai")
    assert send(rig, only, route="openai", model="gpt-4.1-mini").status_code == 200
    refused(send(rig, rig.key(user, blocked_models=MODEL)), 403, "model_forbidden")
    models = rig.admin_get("/api/admin/models", admin)
    haiku = next(m for m in models if m["name"] == "claude-haiku-4-5-20251001")
    assert rig.relay.put(f"/api/admin/models/{haiku['id']}/toggle", admin).status == 200
    message = refused(send(rig, rig.key(user), model=haiku["name"]), 403, "model_forbidden")
    assert "disabled" in message
    assert len(primary.requests) == 1


def test_a_catalogue_edit_reaches_the_proxy_within_the_catalogue_seconds(rig, fakes, admin, user, monkeypatch):
    primary, _, _ = fakes
    from relay import clock  # noqa: PLC0415
    from relay.logic import proxy_gate, proxy_setup  # noqa: PLC0415

    monkeypatch.setattr(proxy_gate, "CATALOGUE_SECONDS", 5.0)
    proxy_setup.engine.cache_clear()
    rig.account(admin, primary.url)
    key = rig.key(user)
    assert send(rig, key).status_code == 200
    model = next(m for m in rig.admin_get("/api/admin/models", admin) if m["name"] == MODEL)
    assert rig.relay.put(f"/api/admin/models/{model['id']}/toggle", admin).status == 200
    rig.relay.env("relay.ProxyFunction")
    assert send(rig, key).status_code == 200, "the prices read a moment ago still hold"
    later = clock.now() + 5.1
    monkeypatch.setattr(clock, "now", lambda: later)
    refused(send(rig, key), 403, "model_forbidden")


def test_the_client_filter_refuses_what_the_admin_test_refuses(rig, fakes, admin, user):
    primary, _, _ = fakes
    rig.account(admin, primary.url)
    key = rig.key(user)
    rig.relay.env()
    from relay.logic import client_filter  # noqa: PLC0415

    client_filter.init_defaults()
    assert rig.relay.put("/api/admin/client-filter/config", admin,
                         {"filter_enabled": True, "filter_mode": "simple", "default_allow": False}).status == 200
    verdict = rig.relay.post("/api/admin/client-filter/test", admin, {"user_agent": "curl/8.0"}).json["data"]
    assert verdict["allowed"] is False
    rig.relay.env("relay.ProxyFunction")
    message = refused(send(rig, key, headers={"user-agent": "curl/8.0"}), 403, "client_not_allowed")
    assert verdict["reason"] in message
    claude_code = {"user-agent": "claude-cli/1.0.83 (external, cli)", "x-app": "cli", "anthropic-version": "2023-06-01",
                   "anthropic-beta": "claude-code-20250219"}
    metadata = {"user_id": "user_" + "a" * 64 + "_account__session_0b1c2d3e-aaaa-bbbb-cccc-123456789abc"}
    system = [{"type": "text", "text": "You are Claude Code, Anthropic's official CLI for Claude."}]
    assert send(rig, key, headers=claude_code, metadata=metadata, system=system).status_code == 200
    assert len(primary.requests) == 1


def test_requests_per_minute(rig, fakes, admin, user):
    primary, _, _ = fakes
    rig.account(admin, primary.url)
    key = rig.key(user, rate_limit=1)
    assert send(rig, key).status_code == 200
    answer = send(rig, key)
    refused(answer, 429, "rate_limit")
    assert 1 <= int(answer.headers["retry-after"]) <= 60
    assert len(primary.requests) == 1


def test_daily_requests_and_monthly_quota_of_a_key(rig, fakes, admin, user):
    primary, _, _ = fakes
    rig.account(admin, primary.url)
    daily = rig.key(user, daily_limit=1)
    monthly = rig.key(user, monthly_quota=0.00001)
    assert send(rig, daily).status_code == 200
    assert send(rig, monthly).status_code == 200
    rig.drain()
    refused(send(rig, daily), 403, "daily_limit")
    refused(send(rig, monthly), 403, "monthly_quota")
    assert len(primary.requests) == 2


def test_package_validity_and_quota(rig, fakes, admin, user):
    primary, _, _ = fakes
    rig.account(admin, primary.url)
    quota = rig.relay.package(admin, user, quota_amount=0.00001)
    spent = rig.key(user, user_package_id=quota["id"])
    daily = rig.relay.package(admin, user, type="subscription", daily_quota=0.00001, quota_amount=0)
    capped = rig.key(user, user_package_id=daily["id"])
    valid_package = rig.relay.package(admin, user)
    expiring = rig.key(user, user_package_id=valid_package["id"])
    rig.relay.env("relay.ProxyFunction")
    assert send(rig, spent).status_code == 200
    assert send(rig, capped).status_code == 200
    rig.drain()
    refused(send(rig, spent), 403, "quota_exceeded")
    refused(send(rig, capped), 403, "daily_limit")
    assert rig.relay.put(f"/api/admin/user-packages/{valid_package['id']}", admin,
                         {"expire_time": "2020-01-01T00:00:00Z"}).status == 200
    rig.relay.env("relay.ProxyFunction")
    refused(send(rig, expiring), 403, "package_expired")
    assert len(primary.requests) == 2


def test_custom_error_messages_word_the_refusals(rig, user):
    rig.relay.env()
    from relay.logic import error_catalog  # noqa: PLC0415

    error_catalog.init_messages()
    rig.relay.env("relay.ProxyFunction")
    assert refused(send(rig, "sk-unknown"), 401, "key_invalid") == "无效的 API Key"


# --- concurrency ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("limited", ["user", "account"])
def test_50_concurrent_requests_never_have_more_than_5_in_flight(rig, fakes, admin, user, limited):
    primary, _, _ = fakes
    account = rig.account(admin, primary.url, max_concurrency=5 if limited == "account" else 100)
    assert rig.relay.put(f"/api/admin/users/{user.id}", admin,
                         {"max_concurrency": 5 if limited == "user" else 100}).status == 200
    key = rig.key(user, rate_limit=1000)
    primary.slow_first_byte(0.3, times=None)
    with concurrent.futures.ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(lambda _n: send(rig, key), range(50)))
    statuses = sorted(a.status_code for a in answers)
    assert set(statuses) <= {200, 429}
    assert statuses.count(200) >= 5
    assert 1 <= primary.max_in_flight <= 5
    error = "user_concurrency_limit" if limited == "user" else "account_concurrency_limit"
    assert {a.json()["error"]["type"] for a in answers if a.status_code == 429} <= {error}
    from relay.store import leases, state  # noqa: PLC0415

    owner = f"U#{user.id}" if limited == "user" else f"A#{account['id']}"
    deadline = time.monotonic() + 10  # a whole answer carries content-length: the slot is given back just after
    while (state.leases(owner) or leases.counted(owner)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (state.leases(owner), leases.counted(owner)) == ([], 0), "every slot given back"


def test_a_killed_request_frees_its_slot_once_its_lease_expires(rig, user, monkeypatch):
    from relay import clock  # noqa: PLC0415
    from relay.store import leases, state  # noqa: PLC0415

    owner = f"U#{user.id}"
    assert leases.take(owner, "killed", limit=1, ttl=60)  # its invocation dies: never given back
    assert not leases.take(owner, "next", limit=1, ttl=60)
    later = clock.now() + 61
    monkeypatch.setattr(clock, "now", lambda: later)
    assert leases.take(owner, "next", limit=1, ttl=60)
    assert [lease["request_id"] for lease in state.leases(owner)] == ["next"]
    assert leases.counted(owner) == 1
    assert not leases.give_back(owner, "killed"), "a repaired lease is not counted twice"
    assert leases.give_back(owner, "next")
    assert leases.counted(owner) == 0


def test_a_client_that_hangs_up_gives_both_slots_back_at_once(rig, fakes, admin, user):
    primary, _, _ = fakes
    account = rig.account(admin, primary.url, max_concurrency=1)
    assert rig.relay.put(f"/api/admin/users/{user.id}", admin, {"max_concurrency": 1}).status == 200
    key = rig.key(user, rate_limit=1000)
    primary.slow_first_byte(5)
    from relay.store import leases, state  # noqa: PLC0415

    owners = (f"U#{user.id}", f"A#{account['id']}")
    body = json.dumps({"model": MODEL, "max_tokens": 8, "stream": True, "messages": HI}).encode()
    host, port = rig.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as client:
        client.sendall(f"POST /claude/v1/messages HTTP/1.1\r\nhost: {host}\r\nx-api-key: {key}\r\n"
                       f"content-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n".encode() + body)
        deadline = time.monotonic() + 20
        while primary.in_flight == 0 and time.monotonic() < deadline:  # the upstream has it, and is silent
            time.sleep(0.05)
        assert primary.in_flight == 1
        assert all(state.leases(owner) for owner in owners), "both slots are held while the upstream answers"
    deadline = time.monotonic() + 10  # the app hears the hang-up on its next receive(); a lease lives far longer
    while any(state.leases(owner) for owner in owners) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [(state.leases(owner), leases.counted(owner)) for owner in owners] == [([], 0), ([], 0)]
    assert send(rig, key).status_code == 200, "both slots are free long before their leases would expire"


# --- sticky sessions, OAuth --------------------------------------------------------------------------------------

def test_a_session_sticks_to_its_account_and_moves_when_it_rests(rig, fakes, admin, user):
    primary, secondary, _ = fakes
    accounts = [rig.account(admin, fake.url) for fake in (primary, secondary)]
    key = rig.key(user)
    for _ in range(6):
        assert send(rig, key, headers={"x-session-id": "conversation-1"}).status_code == 200
    counts = (len(primary.requests), len(secondary.requests))
    assert sorted(counts) == [0, 6]
    bound = primary if counts[0] else secondary
    other = secondary if bound is primary else primary
    from relay.store import state  # noqa: PLC0415

    key_id = rig.relay.get("/api/api-keys", user).json["data"][0]["id"]
    rig.relay.env("relay.ProxyFunction")
    session = state.session(f"k{key_id}:conversation-1")
    assert session["account_id"] == accounts[0 if bound is primary else 1]["id"]
    bound.rate_limit(reset_seconds=60, api="claude")
    assert send(rig, key, headers={"x-session-id": "conversation-1"}).status_code == 200
    assert send(rig, key, headers={"x-session-id": "conversation-1"}).status_code == 200
    assert len(other.requests) == 2
    assert state.session(f"k{key_id}:conversation-1")["account_id"] == accounts[0 if other is primary else 1]["id"]


def test_an_expiring_oauth_token_is_refreshed_once_by_concurrent_requests(rig, fakes, admin, user):
    primary, _, oauth = fakes
    oauth.respond_with(lambda _r: (time.sleep(0.5), (200, {"Content-Type": "application/json"}, json.dumps(
        {"access_token": "fresh-token", "refresh_token": "refresh-2", "expires_in": 3600}).encode()))[1],
        path="/v1/oauth/token")
    soon = dt.datetime.fromtimestamp(time.time() + 120, dt.UTC).isoformat().replace("+00:00", "Z")
    account = rig.account(admin, primary.url, type="claude-official", api_key=None, access_token="old-token",
                          refresh_token="refresh-1", token_expiry=soon)
    key = rig.key(user, rate_limit=1000)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _n: send(rig, key), range(4)))
    assert [a.status_code for a in answers] == [200] * 4
    assert len(oauth.requests) == 1, "one refresher"
    assert json.loads(oauth.requests[0].body)["refresh_token"] == "refresh-1"
    assert {r.headers["authorization"] for r in primary.requests} <= {"Bearer old-token", "Bearer fresh-token"}
    send(rig, key)
    assert primary.requests[-1].headers["authorization"] == "Bearer fresh-token"
    expiry = parse_iso(account_state(rig, admin, account["id"])["token_expiry"])
    assert expiry == pytest.approx(time.time() + 3600, abs=30)


def test_an_expired_token_that_cannot_be_refreshed_skips_the_account_without_banning_it(rig, fakes, admin, user):
    primary, _, oauth = fakes
    oauth.respond(400, json={"error": "invalid_grant"}, path="/v1/oauth/token")
    gone = dt.datetime.fromtimestamp(time.time() - 60, dt.UTC).isoformat().replace("+00:00", "Z")
    account = rig.account(admin, primary.url, type="claude-official", api_key=None, access_token="old-token",
                          refresh_token="refresh-1", token_expiry=gone)
    refused(send(rig, rig.key(user)), 503, "no_available_account")
    state = account_state(rig, admin, account["id"])
    assert state["status"] == "valid"
    assert "token refresh failed" in state["last_error"]
    assert primary.requests == []


# --- the document -------------------------------------------------------------------------------------------

def test_the_proxy_routes_declare_their_api_key_in_the_openapi_document(rig):
    document = rig.relay.get("/openapi.json").json
    operation = document["paths"]["/claude/v1/messages"]["post"]
    assert operation["security"] == [{"apiKeyBearer": []}, {"apiKeyHeader": []}]
    schemes = document["components"]["securitySchemes"]
    assert schemes["apiKeyHeader"] == {"type": "apiKey", "in": "header", "name": "x-api-key",
                                       "description": schemes["apiKeyHeader"]["description"]}
