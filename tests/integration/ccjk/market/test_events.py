"""The marketplace functions' sample events under events/ccjk/ drive their functions (placeholders replaced by
real credentials and items), so they stay usable with `python -m devstack invoke` and `sam local invoke -e`."""

from __future__ import annotations

import importlib
import json

import pytest

from tests.integration.ccjk.market.support import ADMIN, PASSWORD, Market
from tests.support.lambda_events import FakeLambdaContext, load_event, response_json

pytestmark = pytest.mark.integration

# event file → (function, handler module, status)
MARKET_EVENTS = {
    "catalog-skills.json": ("ccjk.CatalogFunction", "catalog", 200),
    "market-install.json": ("ccjk.MarketFunction", "market", 201),
    "market-auth-login.json": ("ccjk.MarketAuthFunction", "market_auth", 200),
    "v8-catalog-templates.json": ("ccjk.V8CatalogFunction", "v8_catalog", 200),
    "v8-market-skills.json": ("ccjk.V8MarketFunction", "v8_market", 200),
    "v8-context-add-message.json": ("ccjk.V8ContextFunction", "v8_context", 201),
    "admin-stats.json": ("ccjk.AdminFunction", "admin", 200),
}
STREAM_EVENTS = {"directory-stream.json"}


@pytest.mark.parametrize("name", sorted(MARKET_EVENTS))
def test_http_event(name, market: Market):
    function, module_name, status = MARKET_EVENTS[name]
    user = market.user()
    _device, token = market.device()
    admin = market.admin()["Authorization"].removeprefix("Basic ")
    skill = market.item("skill")["id"]
    text = json.dumps(load_event(f"ccjk/{name}"), ensure_ascii=False)
    text = (text.replace("REPLACE_WITH_A_USER_JWT", user["access"]).replace("dt_REPLACE_WITH_A_DEVICE_TOKEN", token)
            .replace("REPLACE_WITH_ADMIN_CREDENTIALS", admin).replace("user@example.com", user["email"])
            .replace("password123", PASSWORD).replace("skill_git-commit", skill))
    event = json.loads(text)
    event["requestContext"]["http"]["sourceIp"] = market.client.source_ip
    market.client.use_env(function)
    handler = importlib.import_module(f"ccjk.handlers.{module_name}").handler
    response = handler(event, FakeLambdaContext())
    assert response["statusCode"] == status, response_json(response)
    body = response_json(response)
    assert body.get("success", body.get("code") == 200) is True
    assert ADMIN["password"] not in json.dumps(body)


def test_stream_event(market: Market):
    market.client.use_env("ccjk.DirectoryFunction")
    handler = importlib.import_module("ccjk.handlers.directory").handler
    event = load_event("ccjk/directory-stream.json")
    assert handler(event, FakeLambdaContext()) == {"batchItemFailures": []}
    assert handler(event, FakeLambdaContext()) == {"batchItemFailures": []}  # a redelivery changes nothing
