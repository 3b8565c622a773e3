"""Lambda entry points that are not HTTP: SQS consumers with partial batch failures, schedules, stream consumers.

    handler = sqs_consumer(lambda record, context: delivery.handle(record.body))
    handler = sqs_consumer(route_one, fifo=True)                  # a failed record stops only its message group
    handler = scheduled(lambda event: maintenance.trim())
    handler = scheduled(poll)                                      # poll(event, context): keeps within the timeout

`sqs_consumer` wires Powertools' batch processor the one way this suite uses it: each record handled on its
own, failures reported per record (`ReportBatchItemFailures`, so only they come back), and a batch in which
every record failed is not a function error (deferred records are normal: rate limits, provider back-off).
The record handler gets the Lambda context so it can keep within the function's remaining time.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from suite import observability

RecordHandler = Callable[..., Any]
Handler = Callable[[dict[str, Any], Any], Any]


def _takes_context(func: Callable[..., Any]) -> bool:
    try:
        return len(inspect.signature(func).parameters) >= 2
    except (TypeError, ValueError):
        return False


def sqs_consumer(record_handler: RecordHandler, *, fifo: bool = False,
                 before_batch: Callable[[], Any] | None = None,
                 after_batch: Callable[[Any], None] | None = None) -> Handler:
    """A Lambda handler for an SQS event source with partial batch responses.

    `record_handler(record)` or `record_handler(record, lambda_context)` handles one `SQSRecord`; raising marks
    it failed. With `fifo=True` a failure also fails the rest of its message group in the batch (order kept).
    `before_batch()` runs before the records (its result is passed to `after_batch` once they are done).
    """
    from aws_lambda_powertools.utilities.batch import (  # noqa: PLC0415 (only consumers pay for this import)
        BatchProcessor,
        EventType,
        SqsFifoPartialProcessor,
        process_partial_response,
    )

    if fifo:
        processor: Any = SqsFifoPartialProcessor(skip_group_on_error=True)
        processor.raise_on_entire_batch_failure = False
    else:
        processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    wants_context = _takes_context(record_handler)
    log, metrics = observability.logger(), observability.metrics()

    @log.inject_lambda_context(clear_state=True)
    @metrics.log_metrics
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        state = before_batch() if before_batch else None

        def one(record: Any) -> Any:
            return record_handler(record, context) if wants_context else record_handler(record)

        answer = process_partial_response(event=event, record_handler=one, processor=processor, context=context)
        if after_batch:
            after_batch(state)
        return answer

    return handler


def scheduled(job: Callable[..., Any]) -> Handler:
    """A Lambda handler for an EventBridge schedule: `job(event, lambda_context)`, `job(event)` or `job()`, logged
    with the Lambda context (a job that takes it can keep within the function's remaining time).
    Scheduled jobs must be safe to run twice and to skip once (EventBridge delivers at least once)."""
    arity = len(inspect.signature(job).parameters)
    log, metrics = observability.logger(), observability.metrics()

    @log.inject_lambda_context(clear_state=True)
    @metrics.log_metrics
    def handler(event: dict[str, Any], context: Any) -> Any:
        if arity >= 2:
            return job(event, context)
        return job(event) if arity else job()

    return handler
