"""The ingest side's entry points without HTTP routes: the minutely KOOK poll (PollFunction) and the router
(RouterFunction: KOOK messages from the ingest FIFO queue, one group per channel, become jobs on the per-platform
FIFO queues; a message whose routing fails stops only its channel's group and SQS redelivers it in order)."""

from __future__ import annotations

import json
from contextvars import ContextVar
from typing import Any

from kook.logic import poller, routing
from suite import observability

log = observability.logger()
_batch: ContextVar[routing.Batch | None] = ContextVar("kook_routing_batch", default=None)


def poll(_event: Any, context: Any) -> dict[str, Any]:
    """Poll KOOK for the started accounts without a webhook, within the function's remaining time."""
    outcome = poller.run(remaining_seconds=context.get_remaining_time_in_millis() / 1000)
    log.info("poll run", extra={"outcome": outcome})
    return outcome


def begin_batch() -> routing.Batch:
    """What routing a batch needs (state, filter rules, our own KOOK users), read once per batch."""
    batch = routing.Batch.load()
    _batch.set(batch)
    return batch


def route(record: Any) -> str:
    batch = _batch.get()
    if batch is None:
        raise RuntimeError("route() outside a batch begun by begin_batch()")
    try:
        return batch.route(json.loads(record.body))
    except Exception:
        log.exception("routing failed; SQS will redeliver", extra={"message_id": record.message_id})
        raise


def end_batch(batch: routing.Batch) -> None:
    batch.finish()
    _batch.set(None)
