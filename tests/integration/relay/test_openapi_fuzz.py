"""Schemathesis on relay's own OpenAPI document, every operation, in process (tests/support/fuzz.py): no 5xx,
only declared statuses and content types, bodies matching their schemas. Replay a failure with the seed in
tests/support/fuzz.py (FUZZ_SEED); fuzz harder with FUZZ_EXAMPLES=100."""

import pytest
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.support.api_client import ApiClient
from tests.support.fuzz import fuzz_operation, operation_labels, service_schema


@pytest.fixture(scope="module")
def schema(moto_stack):
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield service_schema(ApiClient(moto_stack, "relay", monkeypatch))


@pytest.mark.parametrize("label", operation_labels("relay"))
def test_operation_holds_under_fuzzing(schema, label):
    # Business rules (the captcha, names already taken, the contract's 400s) refuse some schema-valid bodies.
    assert fuzz_operation(schema, label, excluded_checks=[positive_data_acceptance]) >= 1
