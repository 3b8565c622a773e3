"""The local relay with proxy traffic: one stack for the package's proxy tests (started on first use), two fake
LLM upstreams it may call (RELAY_TRUSTED_ORIGINS), and the seeded admin signed in (tests/support/relay_local.py).
Tests make their own users, keys and accounts; accounts are deleted after each test that made them."""

from __future__ import annotations

import pytest

from devstack.fake_llm import FakeLLM
from tests.support.devstack_process import DevStackProcess
from tests.support.lambda_events import REPO_ROOT
from tests.support.relay_local import LocalRelay


@pytest.fixture(scope="package")
def llms():
    with FakeLLM() as first, FakeLLM() as second:
        yield first, second


@pytest.fixture(scope="package")
def proxy_stack(llms, tmp_path_factory):
    origins = ",".join(fake.url for fake in llms)
    stack = DevStackProcess(REPO_ROOT / "template.yaml", tmp_path_factory.mktemp("relay-proxy"), "--only", "relay",
                            "--no-schedules", "--env", f"RELAY_TRUSTED_ORIGINS={origins}").start()
    yield stack
    stack.stop()


@pytest.fixture(scope="package")
def local_relay(proxy_stack):
    return LocalRelay(proxy_stack)


@pytest.fixture
def clean(local_relay, llms):
    """The test's accounts are deleted afterwards and the fakes forget their requests and faults."""
    for fake in llms:
        fake.reset()
    yield local_relay
    for fake in llms:
        fake.reset()
    local_relay.forget_accounts()
