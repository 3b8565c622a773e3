"""The marketplace tests' fixtures (issue 18): `market` (the ccjk client with the marketplace's flows, from an
address of its own) and `stream` (CcjkTable's stream, from now on, delivered to DirectoryFunction)."""

from __future__ import annotations

import pytest

from tests.integration.ccjk.conftest import fresh_address
from tests.integration.ccjk.market.support import CcjkStream, Market
from tests.support.api_client import ApiClient


@pytest.fixture
def market(moto_stack, monkeypatch, robots) -> Market:
    robots.reset()
    client = ApiClient(moto_stack, "ccjk", monkeypatch, overrides=robots.base_urls(), source_ip=fresh_address())
    client.use_env("ccjk.AdminFunction")
    return Market(client)


@pytest.fixture
def stream(market) -> CcjkStream:
    return CcjkStream(market.env("CCJK_TABLE"))
