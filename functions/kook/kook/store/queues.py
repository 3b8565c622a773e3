"""Depth of the forwarding pipeline's SQS queues (their URLs come from FORWARD_QUEUE_URLS)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from suite import aws


@dataclass(frozen=True)
class QueueDepth:
    url: str
    reachable: bool
    visible: int = 0
    in_flight: int = 0
    latency_ms: int = 0


def depth(url: str) -> QueueDepth:
    started = time.monotonic()
    try:
        attributes = aws.client("sqs").get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
    except Exception:
        return QueueDepth(url, reachable=False, latency_ms=int((time.monotonic() - started) * 1000))
    return QueueDepth(url, reachable=True, visible=int(attributes.get("ApproximateNumberOfMessages", 0)),
                      in_flight=int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
                      latency_ms=int((time.monotonic() - started) * 1000))
