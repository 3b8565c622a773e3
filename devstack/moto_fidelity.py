"""Make moto's DynamoDB execute each request atomically, as DynamoDB does.

moto evaluates a ConditionExpression and then writes, in plain Python: two threads (the local stack's threaded
server, or threads in a test) can both pass the same condition before either writes, so two conditional writes
that DynamoDB would never both accept can both succeed. Optimistic locking, single-use codes and rate-limit
counters then look broken locally although they are correct on AWS. Serialising moto's DynamoDB request handling
restores DynamoDB's guarantee (each request, transactions included, is atomic); sequences of requests still
interleave freely, as they do on AWS.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

_lock = threading.RLock()


def make_dynamodb_requests_atomic() -> None:
    """Idempotent: wraps moto's DynamoDB request handler once per process."""
    from moto.dynamodb.responses import DynamoHandler  # noqa: PLC0415  (moto is a dev/test dependency only)

    original = DynamoHandler.call_action
    if getattr(original, "_devstack_atomic", False):
        return

    @functools.wraps(original)
    def call_action(self: Any) -> Any:
        with _lock:
            return original(self)

    call_action._devstack_atomic = True  # type: ignore[attr-defined]
    DynamoHandler.call_action = call_action  # type: ignore[method-assign]
