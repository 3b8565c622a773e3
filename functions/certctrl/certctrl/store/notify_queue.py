"""The notification queues (SQS): events in (from every producer), one delivery per channel out, and the
delayed device.offline check."""

from __future__ import annotations

import json
from typing import Any

from certctrl import config
from suite import aws


def _send(queue_url: str, body: dict[str, Any], *, delay_seconds: int = 0) -> str:
    answer = aws.client("sqs").send_message(QueueUrl=queue_url, MessageBody=json.dumps(body, separators=(",", ":")),
                                            DelaySeconds=max(0, min(delay_seconds, 900)))
    return answer.get("MessageId", "")


def send_event(body: dict[str, Any], *, delay_seconds: int = 0) -> str:
    return _send(config.extended().require("notify_events_queue_url"), body, delay_seconds=delay_seconds)


def send_delivery(body: dict[str, Any]) -> str:
    return _send(config.extended().require("notify_deliveries_queue_url"), body)
