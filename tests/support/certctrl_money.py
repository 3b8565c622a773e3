"""certctrl's money tables for tests, until the wiring task adds them to functions/certctrl/template.yaml.

`LEDGER_TABLE` is the CloudFormation `Properties` of the table docs/certctrl-money.md §3 describes (the template
will carry exactly this); `CATALOG_TABLE` mirrors the CatalogTable of issue 16 (pk, sk). `money_tables(...)`
creates both on the running moto backend (the session's `moto_stack`) and points certctrl's money settings at
them, with a KMS key for the stablecoin seeds.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3

from devstack.resources import AwsClients, Provisioner
from suite import aws
from suite.config import reset_all
from suite.security import secret_box

LEDGER_TABLE: dict[str, Any] = {
    "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    "AttributeDefinitions": [
        {"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"},
        {"AttributeName": "gsi1pk", "AttributeType": "S"}, {"AttributeName": "gsi1sk", "AttributeType": "S"},
        {"AttributeName": "gsi2pk", "AttributeType": "S"}, {"AttributeName": "gsi2sk", "AttributeType": "S"},
    ],
    "GlobalSecondaryIndexes": [
        {"IndexName": "gsi1", "KeySchema": [{"AttributeName": "gsi1pk", "KeyType": "HASH"},
                                            {"AttributeName": "gsi1sk", "KeyType": "RANGE"}],
         "Projection": {"ProjectionType": "ALL"}},
        {"IndexName": "gsi2", "KeySchema": [{"AttributeName": "gsi2pk", "KeyType": "HASH"},
                                            {"AttributeName": "gsi2sk", "KeyType": "RANGE"}],
         "Projection": {"ProjectionType": "ALL"}},
    ],
    "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": True},
    "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
    "SSESpecification": {"SSEEnabled": True},
}

CATALOG_TABLE: dict[str, Any] = {
    "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                             {"AttributeName": "sk", "AttributeType": "S"}],
}

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
