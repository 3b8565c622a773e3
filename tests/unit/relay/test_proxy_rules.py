"""The proxy's rules as plain Python: which key a request carries, what a key and its package allow, what a
request costs (logic/proxy_checks.py); which accounts are candidates, in which order, with which credential,
and what an attempt means for the account (logic/pool_rules.py); the usage event (logic/usage_events.py)."""

from __future__ import annotations

import json
import random
from collections import Counter
from types import SimpleNamespace

import pytest

from relay.logic import pool_rules, proxy_checks, usage_events
from relay.logic.proxy_pool import Credential, ProxyRefusal, RelayResult
from relay.logic.proxy_tickets import Ticket
from relay.logic.usage_parsing import Usage

NOW = 1_800_000_000.0


def key(**fields):
    base = {"id": 7, "status": "active", "expires_at": None, "allowed_platforms": "all", "allowed_models": "",
            "blocked_models": "", "allowed_clients": "", "rate_limit": 60, "daily_limit": 0, "monthly_quota": 0,
            "user_package_id": None, "price_rate": 1}
    return SimpleNamespace(**{**base, **fields})


def owner(**fields):
    return SimpleNamespace(**{"id": 3, "status": "active", "price_rate": 1, "max_concurrency": 10, **fields})


def refusal(call):
    with pytest.raises(ProxyRefusal) as caught:
        call()
    return caught.value.status, caught.value.error_type


# --- keys ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("headers", "found"), [
    ({"authorization": "Bearer sk-abc"}, "sk-abc"),
    ({"authorization": "sk-abc"}, "sk-abc"),  # the original took a bare key too
    ({"x-api-key": "sk-abc"}, "sk-abc"),
    ({"x-goog-api-key": "sk-abc"}, "sk-abc"),
    ({"authorization": "Bearer eyJhbGciOi", "x-api-key": "sk-abc"}, "sk-abc"),  # a relay key wins
    ({"authorization": "Bearer other"}, "other"),
    ({"authorization": "Basic "}, "Basic"),
    ({}, None),
])
def test_the_key_a_request_carries(headers, found):
    assert proxy_checks.presented_key(headers) == found


def test_keys_and_owners_that_are_refused():
    assert refusal(lambda: proxy_checks.grant_of(None, None, NOW)) == (401, "key_invalid")
    assert refusal(lambda: proxy_checks.grant_of(key(status="disabled"), owner(), NOW)) == (401, "key_disabled")
    assert refusal(lambda: proxy_checks.grant_of(key(expires_at=NOW - 1), owner(), NOW)) == (401, "key_expired")
    assert refusal(lambda: proxy_checks.grant_of(key(status="expired"), owner(), NOW)) == (401, "key_expired")
    assert refusal(lambda: proxy_checks.grant_of(key(), owner(status="disabled"), NOW)) == (401, "auth_failed")
    assert refusal(lambda: proxy_checks.grant_of(key(), None, NOW)) == (401, "auth_failed")
    grant = proxy_checks.grant_of(key(expires_at=NOW + 60, allowed_platforms="claude, openai"), owner(), NOW)
    assert (grant.key_id, grant.user_id, grant.allowed_platforms) == (7, 3, ("claude", "openai"))
    assert proxy_checks.looks_like_key("sk-" + "a" * 64)
    assert not proxy_checks.looks_like_key("sk-" + "a" * 300)
    assert not proxy_checks.looks_like_key("eyJhbGciOi")


def test_platforms_and_models():
    every = proxy_checks.grant_of(key(), owner(), NOW)
    proxy_checks.check_platform(every, "gemini")
    claude_only = proxy_checks.grant_of(key(allowed_platforms="claude"), owner(), NOW)
    assert refusal(lambda: proxy_checks.check_platform(claude_only, "openai")) == (403, "platform_forbidden")
    some = proxy_checks.grant_of(key(allowed_models="gpt-4.1*, claude-sonnet-4-5", blocked_models="gpt-4.1-nano"),
                                 owner(), NOW)
    proxy_checks.check_model(some, "GPT-4.1-mini", None, None)
    proxy_checks.check_model(some, "claude-sonnet-4-5", None, None)
    assert refusal(lambda: proxy_checks.check_model(some, "gpt-4.1-nano", None, None)) == (403, "model_forbidden")
    assert refusal(lambda: proxy_checks.check_model(some, "gpt-4o", None, None)) == (403, "model_forbidden")
    package = SimpleNamespace(allowed_models="claude-*")
    assert refusal(lambda: proxy_checks.check_model(every, "gpt-4o", None, package)) == (403, "model_forbidden")
    disabled = SimpleNamespace(enabled=False)
    assert refusal(lambda: proxy_checks.check_model(every, "m", disabled, None)) == (403, "model_forbidden")


def test_the_catalogue_by_name_or_alias():
    models = [SimpleNamespace(name="claude-3-5-haiku-20241022", aliases="claude-3-5-haiku-latest,claude-3-5-haiku",
                              input_price=0.8, output_price=4, cache_create_price=1, cache_read_price=0.08)]
    assert proxy_checks.catalogue_entry(models, "Claude-3-5-Haiku") is models[0]
    assert proxy_checks.catalogue_entry(models, "claude-3-5") is None
    assert proxy_checks.prices_of(models[0]) == proxy_checks.Prices(0.8, 4, 1, 0.08)


# --- packages and limits -------------------------------------------------------------------------------------

def package(**fields):
    base = {"status": "active", "expire_time": NOW + 86400, "start_time": NOW - 86400, "type": "quota",
            "quota_total": 10, "daily_quota": 0, "weekly_quota": 0, "monthly_quota": 0, "allowed_models": ""}
    return SimpleNamespace(**{**base, **fields})


BOUND = proxy_checks.grant_of(key(user_package_id=5), owner(), NOW)


@pytest.mark.parametrize(("held", "spend", "refused_as"), [
    (None, proxy_checks.Spend(), "package_expired"),
    (package(expire_time=NOW - 1), proxy_checks.Spend(), "package_expired"),
    (package(status="expired"), proxy_checks.Spend(), "package_expired"),
    (package(status="exhausted"), proxy_checks.Spend(), "quota_exceeded"),
    (package(status="disabled"), proxy_checks.Spend(), "forbidden"),
    (package(start_time=NOW + 60), proxy_checks.Spend(), "forbidden"),
    (package(), proxy_checks.Spend(package_total=10), "quota_exceeded"),
    (package(type="subscription", daily_quota=1), proxy_checks.Spend(package_today=1), "daily_limit"),
    (package(type="subscription", weekly_quota=5), proxy_checks.Spend(package_this_week=5), "quota_exceeded"),
    (package(type="subscription", monthly_quota=9), proxy_checks.Spend(package_this_month=9.5), "monthly_quota"),
])
def test_a_package_that_cannot_be_used(held, spend, refused_as):
    assert refusal(lambda: proxy_checks.check_package(BOUND, held, spend, NOW)) == (403, refused_as)


def test_a_package_that_can_be_used_and_a_key_without_one():
    proxy_checks.check_package(BOUND, package(), proxy_checks.Spend(package_total=9.99), NOW)
    proxy_checks.check_package(BOUND, package(type="subscription", daily_quota=1, monthly_quota=0),
                               proxy_checks.Spend(package_today=0.5, package_this_month=500), NOW)
    proxy_checks.check_package(proxy_checks.grant_of(key(), owner(), NOW), None, proxy_checks.Spend(), NOW)


def test_the_keys_own_limits():
    grant = proxy_checks.grant_of(key(daily_limit=3, monthly_quota=2.5), owner(), NOW)
    proxy_checks.check_key_limits(grant, proxy_checks.Spend(key_requests_today=2, key_cost_this_month=2.49))
    assert refusal(lambda: proxy_checks.check_key_limits(grant, proxy_checks.Spend(key_requests_today=3))) == (
        403, "daily_limit")
    assert refusal(lambda: proxy_checks.check_key_limits(grant, proxy_checks.Spend(key_cost_this_month=2.5))) == (
        403, "monthly_quota")
    proxy_checks.check_key_limits(proxy_checks.grant_of(key(), owner(), NOW), proxy_checks.Spend(10**6, 10**6))


def test_price_rate_and_costs():
    plain = proxy_checks.grant_of(key(), owner(price_rate=0.8), NOW)
    assert proxy_checks.price_rate(plain, 1.0) == 0.8
    assert proxy_checks.price_rate(plain, 1.5) == 1.5
    assert proxy_checks.price_rate(proxy_checks.grant_of(key(price_rate=2), owner(price_rate=0.8), NOW), 1.5) == 2
    costs = proxy_checks.costs(Usage(1_000_000, 100_000, 10_000, 1_000), proxy_checks.Prices(3, 15, 3.75, 0.3), 2)
    assert costs == {"input_cost": 6.0, "output_cost": 3.0, "cache_create_cost": 0.075, "cache_read_cost": 0.0006}


# --- accounts ------------------------------------------------------------------------------------------------

def account(**fields):
    base = {"id": 1, "name": "a", "type": "claude-console", "platform": "claude", "enabled": True, "status": "valid",
            "priority": 50, "weight": 100, "credential_fields": {"api_key"}, "proxy_id": None,
            "rate_limit_reset_at": None, "allowed_models": "", "model_mapping": "", "consecutive_error_count": 0,
            "max_concurrency": 5, "token_expiry": None}
    return SimpleNamespace(**{**base, **fields})


def usable(item, surface="claude", account_type=None, model="claude-sonnet-4-5", marked=()):
    return pool_rules.usable(item, surface=surface, account_type=account_type, model=model, now=NOW, marked=marked)


def test_which_accounts_are_candidates():
    assert usable(account())
    assert not usable(account(enabled=False))
    assert not usable(account(), surface="openai")
    assert usable(account(type="openai", platform="openai"), surface="responses")
    assert not usable(account(type="openai-responses", platform="openai"), surface="openai")
    assert not usable(account(), account_type="claude-official")
    assert not usable(account(credential_fields=None))
    assert not usable(account(proxy_id=4)), "no tunnel yet: never called around its proxy"
    assert not usable(account(id=9), marked=[9])
    assert not usable(account(status="invalid"))
    assert not usable(account(status="rate_limited", rate_limit_reset_at=NOW + 5))
    assert usable(account(status="rate_limited", rate_limit_reset_at=NOW - 5)), "half-open after its reset"
    assert not usable(account(status="suspended", rate_limit_reset_at=NOW - 5))


def test_allowed_models_test_the_mapped_name():
    mapped = account(allowed_models="claude-opus-4-5", model_mapping=json.dumps({"claude-sonnet": "claude-opus-4-5"}))
    assert usable(mapped, model="claude-sonnet-4-5")
    assert not usable(account(allowed_models="claude-opus-4-5"), model="claude-sonnet-4-5")
    assert pool_rules.mapping_of(account(model_mapping="not json")) == {}


def test_priority_tiers_then_weighted_order_with_the_sticky_account_first():
    rng = random.Random(7)
    high, heavy, light = account(id=1, priority=90), account(id=2, weight=300), account(id=3, weight=100)
    firsts = Counter(pool_rules.ordered([light, heavy, high], rng)[0].id for _ in range(400))
    assert firsts == {1: 400}
    seconds = Counter(pool_rules.ordered([light, heavy], rng)[0].id for _ in range(4000))
    assert 0.7 < seconds[2] / 4000 < 0.8  # weight 300 of 400
    assert pool_rules.ordered([light, heavy, high], rng, first=3)[0].id == 3


@pytest.mark.parametrize(("kind", "creds", "expected"), [
    ("claude-console", {"api_key": "k"}, Credential(api_key="k")),
    ("claude-official", {"access_token": "t", "api_key": "k"}, Credential(bearer="t")),
    ("openai", {"access_token": "t"}, Credential(bearer="t")),
    ("openai-responses", {"session_key": "s", "access_token": "t"}, Credential(bearer="s")),
    ("gemini", {"access_token": "t"}, Credential(bearer="t")),
    ("gemini-api", {"api_key": "k"}, Credential(api_key="k")),
    ("claude-console", {}, None),
])
def test_credentials_by_account_type(kind, creds, expected):
    assert pool_rules.credential(account(type=kind), creds) == expected


def test_which_tokens_need_refreshing():
    creds = {"access_token": "t", "refresh_token": "r"}
    assert pool_rules.needs_refresh(account(token_expiry=NOW + 60), creds, NOW, 300)
    assert not pool_rules.needs_refresh(account(token_expiry=NOW + 600), creds, NOW, 300)
    assert not pool_rules.needs_refresh(account(token_expiry=NOW + 60), {"access_token": "t"}, NOW, 300)
    assert not pool_rules.needs_refresh(account(platform="gemini", token_expiry=NOW), creds, NOW, 300)


def judge(item, kind, status=None, *, fail_over=True, retry_at=None, target=None):
    return pool_rules.verdict(item, kind=kind, status=status, fail_over=fail_over, retry_at=retry_at, target=target,
                              now=NOW, rest_seconds=300)


def test_what_an_attempt_means_for_the_account():
    assert judge(account(), "ok") == pool_rules.Verdict()
    assert judge(account(consecutive_error_count=2), "ok").clear
    assert judge(account(status="rate_limited"), "ok").clear
    assert judge(account(), "http_error", 400, fail_over=False) == pool_rules.Verdict(), "the request's fault"
    named = judge(account(), "http_error", 429, retry_at=NOW + 30, target="rate_limited")
    assert named == pool_rules.Verdict(count=True, changes={"status": "rate_limited", "rate_limit_reset_at": NOW + 30})
    unnamed = judge(account(), "http_error", 429, target="rate_limited")
    assert (unnamed.changes, unnamed.on_threshold) == (None, {"status": "rate_limited",
                                                               "rate_limit_reset_at": NOW + 3600})
    assert judge(account(), "http_error", 529, target="overloaded").on_threshold == {
        "status": "overloaded", "rate_limit_reset_at": NOW + 300}
    assert judge(account(), "connect_error").on_threshold["status"] == "overloaded"
    assert judge(account(), "broken", 200, fail_over=False).count
    assert judge(account(type="claude-official"), "http_error", 401, target="invalid").on_threshold == {
        "status": "invalid", "rate_limit_reset_at": None}
    assert judge(account(), "http_error", 401, target="invalid").on_threshold["status"] == "overloaded"
    assert pool_rules.due_for_recovery(account(status="overloaded", rate_limit_reset_at=NOW), NOW)
    assert not pool_rules.due_for_recovery(account(status="invalid", rate_limit_reset_at=NOW - 1), NOW)


# --- the usage event -----------------------------------------------------------------------------------------

def result(**fields):
    base = {"request_id": "r1", "surface": "claude", "model": "claude-sonnet-4-5-20250929", "upstream_model": None,
            "account_id": "4", "status": 200, "stream": True, "usage": Usage(10, 20, 3, 5), "attempts": 1,
            "outcome": "ok", "error_type": None, "started_at": NOW, "first_byte_ms": 5.0, "duration_ms": 812.6}
    return RelayResult(**{**base, **fields})


def ticket(grant):
    return Ticket(request_id="r1", grant=grant, values={"record_retention_days": "7"}, upstream_model="m",
                  prices={"claude-sonnet-4-5-20250929": proxy_checks.Prices(3, 15, 3.75, 0.3)}, rate=1.0,
                  platform="claude", path="/claude/v1/messages", user_agent="ua", source_ip="203.0.113.7",
                  session_hint=None, account_names={"4": "console"})


def test_the_usage_event_of_an_answered_request_and_its_round_trip():
    grant = proxy_checks.grant_of(key(user_package_id=5), owner(), NOW)
    event = usage_events.build(grant, ticket(grant), result())
    assert (event.user_id, event.api_key_id, event.account_id, event.account_name, event.user_package_id) == (
        3, 7, 4, "console", 5)
    assert (event.input_tokens, event.output_tokens, event.cache_creation_tokens, event.cache_read_tokens) == (
        10, 20, 3, 5)
    assert event.input_cost == pytest.approx(30e-6)
    assert (event.success, event.counted, event.retention_days, event.duration_ms) == (True, True, 7, 812)
    from dataclasses import asdict  # noqa: PLC0415

    assert usage_events.parse(json.dumps(asdict(event))) == event


def test_refused_and_failed_requests():
    grant = proxy_checks.grant_of(key(), owner(), NOW)
    refused = usage_events.build(grant, None, result(account_id=None, attempts=0, outcome="refused", status=403,
                                                     error_type="model_forbidden", usage=Usage()))
    assert (refused.counted, refused.success, refused.error, refused.input_cost) == (False, False, "model_forbidden", 0)
    failed = usage_events.build(grant, ticket(grant), result(status=429, outcome="http_error", error_type=None))
    assert (failed.counted, failed.success, failed.error, failed.upstream_status_code) == (True, False, "http_error",
                                                                                           429)
    with pytest.raises(ValueError, match="request_id"):
        usage_events.parse(json.dumps({"user_id": 1}))
    with pytest.raises(ValueError, match="user_id"):
        usage_events.parse(json.dumps({"request_id": "x"}))
