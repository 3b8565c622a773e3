"""The notify queue's records, each handed to the delivery logic (the worker's one 'route')."""

from __future__ import annotations

from typing import Any

from ccjk.logic import delivery

SAFETY_MARGIN_MS = 2_000  # stop waiting on a provider this long before the function's timeout
DEFAULT_REMAINING_MS = 30_000  # without a Lambda context (tools, tests): the function's timeout


def deliver(record: Any, lambda_context: Any = None) -> str:
    """One (notification, channel) message; raising fails it (it comes back later or goes to the DLQ)."""
    remaining_ms = lambda_context.get_remaining_time_in_millis() if lambda_context else DEFAULT_REMAINING_MS
    return delivery.handle(record.body, receive_count=int(record.attributes.approximate_receive_count),
                           receipt_handle=record.receipt_handle,
                           deadline=delivery.deadline_after(remaining_ms - SAFETY_MARGIN_MS))
