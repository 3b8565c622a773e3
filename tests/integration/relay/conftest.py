"""relay handlers on the session's moto stack; each test module starts from empty relay tables, with the
captcha off unless a test turns it on (tests that need it read the answer through `ids.captcha_code`)."""

from __future__ import annotations

import pytest
from aws_lambda_powertools.utilities import parameters

from tests.integration.relay.support import Relay, fresh


@pytest.fixture(scope="module")
def empty_relay(moto_stack):
    fresh(moto_stack)
    with pytest.MonkeyPatch.context() as monkeypatch:
        relay = Relay(moto_stack, monkeypatch)
        relay.configure(captcha_enabled="false", login_rate_limit_enable="false")


@pytest.fixture
def relay(moto_stack, monkeypatch, empty_relay) -> Relay:
    parameters.clear_caches()
    return Relay(moto_stack, monkeypatch)


@pytest.fixture
def admin(relay):
    return relay.person("admin")


@pytest.fixture
def user(relay):
    return relay.person("user")
