"""The three sender workers (DiscordSenderFunction, TelegramSenderFunction, FeishuSenderFunction): SQS FIFO
batches, one group per target; a failed job stops only its own group (the others go on)."""

import json
import time
from typing import Any

from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response

from kook import config
from kook.logic import forwarding
from suite import observability

log = observability.logger()
UNIT_BUDGET_SECONDS = 8.0  # one provider call's budget (providers.http): no unit starts later than this


def _sender(platform: str) -> Any:
    processor = SqsFifoPartialProcessor(skip_group_on_error=True)
    processor.raise_on_entire_batch_failure = False  # a batch of deferred jobs is normal, not a function error

    @log.inject_lambda_context(clear_state=True)
    @observability.metrics().log_metrics
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        queue_url = config.get().forward_queue_url(platform)
        deadline = time.monotonic() + context.get_remaining_time_in_millis() / 1000 - UNIT_BUDGET_SECONDS

        def record_handler(record: Any) -> str:
            return forwarding.deliver_logged(json.loads(record.body), forwarding.attempt_of(record, queue_url),
                                             retry_base=config.get().retry_base_seconds, deadline=deadline)

        return process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                        context=context)

    return handler


discord = _sender("discord")
telegram = _sender("telegram")
feishu = _sender("feishu")
