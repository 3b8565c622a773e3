"""Integration tests run handlers on moto with tables, queues and keys created from the real templates.

    with moto_suite() as suite:               # every resource of template.yaml, in moto
        use_function_env(monkeypatch, suite, "ccjk.HealthFunction")
        ...call the handler...

Same code path as the local stack (devstack.resources), so the schemas under test are the deployed ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from moto import mock_aws

from devstack.resources import AwsClients, Provisioner
from devstack.template import Suite, open_suite
from suite import aws
from tests.support.lambda_events import REPO_ROOT


@contextmanager
def moto_suite(template: Path | str = REPO_ROOT / "template.yaml", *, stack_name: str = "test") -> Iterator[Suite]:
    with mock_aws():
        aws.reset_clients()
        provisioner = Provisioner(AwsClients())
        yield open_suite(template, stack_name=stack_name, provision=provisioner)
        aws.reset_clients()


def use_function_env(monkeypatch: pytest.MonkeyPatch, suite: Suite, key: str) -> dict[str, str]:
    """Give the test process the function's template environment (table names, queue URLs, settings)."""
    env = suite.function(key).environment
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def service_environment(service: str, *, stack_name: str = "test") -> dict[str, str]:
    """The template environment of every function of `service`, as `moto_suite(stack_name=...)` will create it.

    Computed without AWS, so a service's test conftest can export it before the service's modules are imported
    (for code that reads its table names at import). Table names, queue URLs and bucket names match what
    moto creates; KMS key ids and secret ARNs are only known after provisioning, so code must read those at
    call time (use `use_function_env` inside the test for them).
    """
    suite = open_suite(REPO_ROOT / "template.yaml", stack_name=stack_name)
    env: dict[str, str] = {}
    for function in suite.stack(service).functions():
        env.update(function.environment)
    return env


def service_tables(suite: Suite, service: str) -> list[str]:
    """The physical names of every DynamoDB table of a service's stack (as moto created them)."""
    stack = suite.stack(service)
    return [stack.resolve({"Ref": logical}) for logical in stack.resources_of("AWS::DynamoDB::Table")]


def wipe_tables(suite: Suite, service: str) -> None:
    """Delete every item of a service's tables, so a test starts from empty tables on the session's stack
    (tests may Scan; shipped code never does)."""
    ddb = aws.client("dynamodb")
    for table in service_tables(suite, service):
        keys = [k["AttributeName"] for k in ddb.describe_table(TableName=table)["Table"]["KeySchema"]]
        names = {f"#k{i}": key for i, key in enumerate(keys)}
        pages = ddb.get_paginator("scan").paginate(TableName=table, ProjectionExpression=", ".join(names),
                                                   ExpressionAttributeNames=names)
        for page in pages:
            for item in page["Items"]:
                ddb.delete_item(TableName=table, Key=item)
