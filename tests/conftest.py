"""Shared test setup: fake AWS credentials so nothing can ever reach a real account."""

from __future__ import annotations

import os

import pytest

from devstack.fake_aws import FAKE_AWS_ENV
from devstack.moto_fidelity import make_dynamodb_requests_atomic
from suite import aws

_TEST_ENV = {
    **FAKE_AWS_ENV,
    "POWERTOOLS_METRICS_NAMESPACE": "Suite/tests",
    "POWERTOOLS_SERVICE_NAME": "tests",
    "PASSWORD_HASH_PROFILE": "fast",
}

# Set at import time, before any test module imports boto3 or a handler.
os.environ.update(_TEST_ENV)
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)

# moto checks a ConditionExpression and then writes without a lock: threads could both pass one condition.
# DynamoDB makes every request atomic; so does moto for every test from here on (devstack/moto_fidelity.py).
make_dynamodb_requests_atomic()


@pytest.fixture(autouse=True)
def _fresh_aws_clients():
    """Cached boto3 clients must not leak between tests (each test may run its own moto backend)."""
    aws.reset_clients()
    yield
    aws.reset_clients()
