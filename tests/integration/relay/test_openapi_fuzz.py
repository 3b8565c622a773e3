"""Schemathesis on relay's own OpenAPI document, every operation, in process (tests/support/fuzz.py), with a
valid admin token: no 5xx, only declared statuses and content types, bodies matching their schemas. Replay a
failure with the seed in tests/support/fuzz.py (FUZZ_SEED); fuzz harder with FUZZ_EXAMPLES=100.

One check is left out: `positive_data_acceptance`. Business rules refuse some schema-valid bodies with the
contract's 400s (a taken username, a captcha that is on, an unknown package id), which the schema cannot say.
"""

import pytest
from schemathesis.specs.openapi.checks import positive_data_acceptance

from devstack.fake_provider import FakeProvider
from tests.integration.relay.support import Relay, provider_overrides
from tests.support.fuzz import fuzz_operation, operation_labels, service_schema


@pytest.fixture(scope="module")
def fuzzing(moto_stack, empty_relay):
    """An admin, and every provider relay calls (OAuth, probes) a fake on 127.0.0.1 that refuses everything."""
    with FakeProvider() as fake, pytest.MonkeyPatch.context() as monkeypatch:
        fake.respond(status=401, json={"error": {"type": "authentication_error", "message": "refused"}})
        relay = Relay(moto_stack, monkeypatch, **provider_overrides(fake.url))
        admin = relay.person("admin")
        yield service_schema(relay.client), admin.headers


@pytest.mark.parametrize("label", operation_labels("relay"))
def test_operation_holds_under_fuzzing(fuzzing, label):
    schema, headers = fuzzing
    assert fuzz_operation(schema, label, headers=headers, excluded_checks=[positive_data_acceptance]) >= 1
