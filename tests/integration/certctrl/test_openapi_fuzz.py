"""Schemathesis on certctrl's own OpenAPI document, every operation, in process (tests/support/fuzz.py): no 5xx,
only declared statuses and content types, bodies matching their schemas. Replay a failure with the seed in
tests/support/fuzz.py (FUZZ_SEED); fuzz harder with FUZZ_EXAMPLES=100."""

import pytest

from tests.support.api_client import ApiClient
from tests.support.fuzz import fuzz_operation, operation_labels, service_schema


@pytest.fixture(scope="module")
def schema(moto_stack):
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield service_schema(ApiClient(moto_stack, "certctrl", monkeypatch))


@pytest.mark.parametrize("label", operation_labels("certctrl"))
def test_operation_holds_under_fuzzing(schema, label):
    assert fuzz_operation(schema, label) >= 1
