"""Powertools idempotency records (their own table) for requests whose side effect must happen once."""

from __future__ import annotations

from typing import Any

from ccjk import settings
from suite import aws


def persistence_layer() -> Any:
    """A DynamoDB persistence layer on our cached client (created per call: cheap, and never at import)."""
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer  # noqa: PLC0415

    return DynamoDBPersistenceLayer(table_name=settings.idempotency_table_name(), key_attr="id",
                                    expiry_attr="expiration", boto3_client=aws.client("dynamodb"))
