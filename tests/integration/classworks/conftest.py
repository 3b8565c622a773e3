"""classworks handlers on the session's moto stack (tests/integration/conftest.py), resources created from the
real templates.

`api` sends a request the way API Gateway would (tests/support/api_client.ApiClient): the route is matched
against the template's routes (devstack's RouteTable, API Gateway's precedence), the event is built like the
local stack builds it, and the function's real handler runs with that function's template environment.
Tests isolate themselves with their own ids (and the client's own source address for per-IP limits).
"""

from __future__ import annotations

import json

import pytest
from aws_lambda_powertools.utilities import parameters

from suite import aws
from tests.integration.classworks.support import Api


@pytest.fixture(autouse=True)
def _fresh_parameter_cache():
    parameters.clear_caches()  # the site key is cached per execution environment; each test starts cold
    yield
    parameters.clear_caches()


@pytest.fixture
def api(monkeypatch, moto_stack) -> Api:
    return Api(monkeypatch, moto_stack)


@pytest.fixture
def site_key(api):
    """Configure the site key "s3cret-site" for one test, then remove it again (empty = not configured)."""
    secret = api.env("classworks.AppsFunction")["SITE_KEY_SECRET_ARN"]

    def set_key(value: str) -> None:
        aws.client("secretsmanager").put_secret_value(SecretId=secret, SecretString=json.dumps({"siteKey": value}))
        parameters.clear_caches()

    set_key("s3cret-site")
    yield "s3cret-site"
    set_key("")
