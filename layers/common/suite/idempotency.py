"""Run a side effect once per request, through Powertools' public `idempotent_function`.

    answer = run_once(lambda: create_and_enqueue(...), payload={"caller": device_id, "request": body},
                      table_name=cfg.idempotency_table, key_prefix="ccjk.notify", expires_after_seconds=10,
                      lambda_context=context)

Repeats of the same payload within `expires_after_seconds` get the first answer without running the action again.
A repeat that arrives while the first is still running gets `InProgress` (services answer 409). With the Lambda
context, a request that died mid-way blocks its repeats only until the function's timeout. Records live in their
own table (partition key `id`, TTL attribute `expiration`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from suite import aws


class InProgress(Exception):
    """An identical request is still being processed."""


def run_once[T](action: Callable[[], T], *, payload: dict[str, Any], table_name: str, key_prefix: str,
                expires_after_seconds: int, lambda_context: Any = None) -> T:
    # Imported here: the idempotency utility pulls boto3's resource layer, which routes that never need it skip.
    from aws_lambda_powertools.utilities.idempotency import (  # noqa: PLC0415
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )
    from aws_lambda_powertools.utilities.idempotency.exceptions import (  # noqa: PLC0415
        IdempotencyAlreadyInProgressError,
    )

    store = DynamoDBPersistenceLayer(table_name=table_name, key_attr="id", expiry_attr="expiration",
                                     boto3_client=aws.client("dynamodb"))
    config = IdempotencyConfig(expires_after_seconds=expires_after_seconds)
    if lambda_context is not None:
        config.register_lambda_context(lambda_context)

    @idempotent_function(data_keyword_argument="request", persistence_store=store, config=config,
                         key_prefix=key_prefix)
    def once(request: dict[str, Any]) -> T:
        return action()

    try:
        return once(request=payload)
    except IdempotencyAlreadyInProgressError:
        raise InProgress from None
