"""RouterFunction: KOOK messages from the ingest FIFO queue (one group per channel) → jobs on the per-platform
FIFO queues. A message whose routing fails stops only its channel's group; SQS redelivers it in order."""

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response

from kook.logic import routing
from suite import observability

log = observability.logger()
processor = SqsFifoPartialProcessor(skip_group_on_error=True)
processor.raise_on_entire_batch_failure = False


@log.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    batch = routing.Batch.load()

    def record_handler(record: Any) -> str:
        try:
            return batch.route(json.loads(record.body))
        except Exception:
            log.exception("routing failed; SQS will redeliver", extra={"message_id": record.message_id})
            raise

    answer = process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                      context=context)
    batch.finish()
    return answer
