"""The three sender workers' record handler (DiscordSenderFunction, TelegramSenderFunction, FeishuSenderFunction):
one job per SQS FIFO record, one group per target; a failed job stops only its own group."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from kook import config
from kook.logic import forwarding

UNIT_BUDGET_SECONDS = 8.0  # one provider call's budget (providers.http): no unit starts later than this


def attempt_of(record: Any, queue_url: str) -> forwarding.Attempt:
    """An SQS record (Powertools SQSRecord) as the delivery attempt it is."""
    return forwarding.Attempt(queue_url=queue_url, receipt_handle=record.receipt_handle,
                              receive_count=int(record.attributes.approximate_receive_count or 1))


def sender(platform: str) -> Callable[[Any, Any], str]:
    """The record handler of one platform's sender: deliver the job, and start no unit the function's remaining
    time cannot finish."""

    def deliver(record: Any, context: Any) -> str:
        settings = config.get()
        deadline = time.monotonic() + context.get_remaining_time_in_millis() / 1000 - UNIT_BUDGET_SECONDS
        return forwarding.deliver_logged(json.loads(record.body),
                                         attempt_of(record, settings.forward_queue_url(platform)),
                                         retry_base=settings.retry_base_seconds, deadline=deadline)

    return deliver
