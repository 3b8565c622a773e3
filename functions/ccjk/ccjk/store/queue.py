"""The notify queue: one message per (notification, channel). Messages carry ids only, never a webhook or secret."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ccjk import config
from suite import aws


def enqueue(messages: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Send every message (batches of ten, one retry for entries SQS refused); returns those still refused."""
    sqs = aws.client("sqs")
    refused: list[dict[str, Any]] = []
    for start in range(0, len(messages), 10):
        chunk = {str(i): m for i, m in enumerate(messages[start:start + 10])}
        for _attempt in range(2):
            answer = sqs.send_message_batch(
                QueueUrl=config.get().notify_queue_url,
                Entries=[{"Id": i, "MessageBody": json.dumps(m, separators=(",", ":"))} for i, m in chunk.items()],
            )
            chunk = {f["Id"]: chunk[f["Id"]] for f in answer.get("Failed", [])}
            if not chunk:
                break
        refused.extend(chunk.values())
    return refused


def defer(receipt_handle: str, seconds: int) -> None:
    """Keep a received message invisible for `seconds` (at most SQS's 12 hours): it comes back after that."""
    aws.client("sqs").change_message_visibility(
        QueueUrl=config.get().notify_queue_url, ReceiptHandle=receipt_handle,
        VisibilityTimeout=max(0, min(int(seconds), 43_200)))
