"""The notify worker: SQS batches of (notification, channel) messages, each sent on its own; failures are reported
per message (partial batch response) so only they come back."""

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from ccjk import delivery
from suite import observability

SAFETY_MARGIN_MS = 2_000  # stop waiting on a provider this long before the function's timeout
# A batch whose messages are all deferred (rate limits, provider back-off) is normal, not a function error.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
log, metrics = observability.logger(), observability.metrics()


def record_handler(record: SQSRecord, lambda_context=None) -> str:
    remaining_ms = lambda_context.get_remaining_time_in_millis() if lambda_context else 30_000
    return delivery.handle(record.body, receive_count=int(record.attributes.approximate_receive_count),
                           receipt_handle=record.receipt_handle,
                           deadline=delivery.deadline_after(remaining_ms - SAFETY_MARGIN_MS))


@log.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event, context):
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
