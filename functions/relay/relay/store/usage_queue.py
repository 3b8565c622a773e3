"""The usage queue (SQS, `RELAY_USAGE_QUEUE_URL`): the proxy sends one event per request; the usage worker
(handlers/usage_worker.py) writes it (store/usage.py `record`)."""

from __future__ import annotations

import json
from typing import Any

from relay import config
from suite import aws


def send(event: dict[str, Any]) -> str:
    """Queue one usage event (JSON); the message id."""
    answer = aws.client("sqs").send_message(QueueUrl=config.proxy().usage_queue_url,
                                            MessageBody=json.dumps(event, separators=(",", ":")))
    return str(answer.get("MessageId", ""))
