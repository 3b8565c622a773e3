"""Schemathesis on certctrl's own OpenAPI document, every operation, in process (tests/support/fuzz.py), with
the credential each operation needs (session cookie, API key or device JWT) and the caller's own ids in the
path: no 5xx, only declared statuses and content types, bodies matching their schemas. Replay a failure with the
seed in tests/support/fuzz.py (FUZZ_SEED); fuzz harder with FUZZ_EXAMPLES=100.

Schema-valid requests may still be refused with 400 where the rules are not expressible in the schema (a
password's character classes, whether an e-mail code is right, whether a device code exists): for those
operations the `positive_data_acceptance` check is left out (SEMANTIC_400), every other check stays.
"""

from __future__ import annotations

import pytest
from schemathesis.checks import positive_data_acceptance

from tests.integration.certctrl.conftest import fresh_address
from tests.integration.certctrl.support import new_account
from tests.support.api_client import ApiClient
from tests.support.fuzz import fuzz_operation, operation_labels, service_schema

SEMANTIC_400 = {"POST /auth/general", "POST /auth/refresh", "POST /apiv1/me/apikeys",
                "POST /apiv1/users/{user_id}/apikeys", "PATCH /apiv1/users/{user_id}/apikeys/{apikey_id}"}


@pytest.fixture(scope="module")
def world(moto_stack):
    with pytest.MonkeyPatch.context() as monkeypatch:
        client = ApiClient(moto_stack, "certctrl", monkeypatch, source_ip=fresh_address())
        account = new_account(client)
        yield {"schema": service_schema(client), "account": account}


def _credentials(world: dict, label: str) -> dict[str, str]:
    return world["account"].headers


def _own_ids(world: dict):
    def prepare(case) -> None:
        if case.path_parameters and "user_id" in case.path_parameters:
            case.path_parameters["user_id"] = str(world["account"].user_id)

    return prepare


@pytest.mark.parametrize("label", operation_labels("certctrl"))
def test_operation_holds_under_fuzzing(world, label):
    excluded = [positive_data_acceptance] if label in SEMANTIC_400 else []
    assert fuzz_operation(world["schema"], label, headers=_credentials(world, label), prepare=_own_ids(world),
                          excluded_checks=excluded) >= 1
