"""classworks handlers on moto, resources created from the real templates.

`api` sends a request the way API Gateway would: the route is matched against the template's routes
(devstack's RouteTable, API Gateway's precedence), the event is built like the local stack builds it, and the
function's real handler runs with that function's template environment.
"""

from __future__ import annotations

import pytest
from aws_lambda_powertools.utilities import parameters

from tests.integration.classworks.support import Api
from tests.support.moto_stack import moto_suite


@pytest.fixture(scope="module")
def suite():
    with moto_suite() as loaded:
        yield loaded


@pytest.fixture(autouse=True)
def _fresh_parameter_cache():
    parameters.clear_caches()  # the site key is cached per execution environment; each test starts cold
    yield
    parameters.clear_caches()


@pytest.fixture
def api(monkeypatch, suite) -> Api:
    return Api(monkeypatch, suite)
