"""certctrl's money tables for the engine tests that need a ledger of their own.

`LEDGER_TABLE` and `CATALOG_TABLE` are the CloudFormation `Properties` of the template's LedgerTable and
CatalogTable (functions/certctrl/template.yaml, read here, never copied). `money_tables(...)` creates fresh ones
(new names each time) on the running moto backend and points certctrl's money settings at them, with a KMS key for
the stablecoin seeds: the property test's oracle reads a whole ledger, so it must be the test's alone. The route
tests (test_money_routes.py, test_admin_routes.py) use the session's moto_stack and its LedgerTable instead.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3

from devstack.resources import AwsClients, Provisioner
from devstack.template import open_suite
from suite import aws
from suite.config import reset_all
from suite.security import secret_box
from tests.support.lambda_events import REPO_ROOT


def _template_table(logical_id: str) -> dict[str, Any]:
    """A table's CloudFormation properties exactly as functions/certctrl/template.yaml declares them."""
    stack = open_suite(REPO_ROOT / "template.yaml").stack("certctrl")
    return dict(stack.resources_of("AWS::DynamoDB::Table")[logical_id]["Properties"])


LEDGER_TABLE: dict[str, Any] = _template_table("LedgerTable")
CATALOG_TABLE: dict[str, Any] = _template_table("CatalogTable")

_names = itertools.count(1)


@contextmanager
def money_tables(monkeypatch, **settings: str) -> Iterator[dict[str, str]]:
    """Fresh LedgerTable and CatalogTable (new names each time, so tests never share money) on the active moto
    backend, a KMS key, and the environment certctrl.config.money() reads. Extra `settings` are set too."""
    n = next(_names)
    provisioner = Provisioner(AwsClients())
    names = {"LEDGER_TABLE": f"test-certctrl-ledger-{n}", "CATALOG_TABLE": f"test-certctrl-catalog-{n}"}
    provisioner.table(None, "LedgerTable", {**LEDGER_TABLE, "TableName": names["LEDGER_TABLE"]})
    provisioner.table(None, "CatalogTable", {**CATALOG_TABLE, "TableName": names["CATALOG_TABLE"]})
    key = boto3.client("kms", region_name="us-east-1").create_key(Description="certctrl money tests")
    env = {**names, "SECRETS_KEY_ARN": key["KeyMetadata"]["Arn"], "LEDGER_SYSTEM_SHARDS": "4", **settings}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    reset_all()
    aws.reset_clients()
    secret_box.forget_boxes()
    from certctrl.store import ledger  # noqa: PLC0415  (after the environment is set)

    ledger.forget_opened()
    try:
        yield env
    finally:
        reset_all()
