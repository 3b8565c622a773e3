"""The usage worker's record handler: one usage event (SQS message) written, idempotently (logic/usage_events.py).
A message that is not a usage event raises, so it is retried and then moved to the dead-letter queue."""

from typing import Any

from relay.logic import usage_events


def count(record: Any) -> None:
    usage_events.record(record.body)
