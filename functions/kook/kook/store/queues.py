"""The forwarding pipeline's SQS queues: FIFO sends with message groups and deduplication ids, visibility changes
for deferred retries, moving dead letters back, and queue depth (for the status and health routes).

Queues (URLs from the template's environment): IngestQueue.fifo (KOOK messages, one message group per KOOK
channel), DiscordQueue.fifo / TelegramQueue.fifo / FeishuQueue.fifo (one job per message and target, one message
group per target), each with its FIFO dead-letter queue.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from suite import aws

MAX_SEND_BATCH = 10  # SQS SendMessageBatch limit
MAX_VISIBILITY_SECONDS = 12 * 3600


class SendFailed(Exception):
    """SQS refused some entries of a batch (the caller fails its message so SQS redelivers it)."""


@dataclass(frozen=True)
class FifoMessage:
    body: dict[str, Any]
    group_id: str
    deduplication_id: str
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class QueueDepth:
    url: str
    reachable: bool
    visible: int = 0
    in_flight: int = 0
    latency_ms: int = 0


def _client() -> Any:
    return aws.client("sqs")


def _entry(index: int, message: FifoMessage) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "Id": str(index),
        "MessageBody": json.dumps(message.body, ensure_ascii=False, separators=(",", ":")),
        "MessageGroupId": message.group_id[:128],
        "MessageDeduplicationId": message.deduplication_id[:128],
    }
    if message.attributes:
        entry["MessageAttributes"] = {name: {"DataType": "String", "StringValue": value}
                                      for name, value in message.attributes.items()}
    return entry


def send_fifo(url: str, messages: Iterable[FifoMessage]) -> int:
    """Send in order, in batches of ten (SQS keeps the order of a batch's entries within a group)."""
    pending = list(messages)
    for start in range(0, len(pending), MAX_SEND_BATCH):
        chunk = pending[start:start + MAX_SEND_BATCH]
        answer = _client().send_message_batch(QueueUrl=url, Entries=[_entry(i, m) for i, m in enumerate(chunk)])
        failed = answer.get("Failed") or []
        if failed:
            codes = sorted({str(f.get("Code")) for f in failed})
            raise SendFailed(f"SQS refused {len(failed)} of {len(chunk)} messages ({', '.join(codes)})")
    return len(pending)


def defer(url: str, receipt_handle: str, seconds: int) -> None:
    """Make a received message visible again in `seconds` (a retry after a rate limit or a backoff)."""
    _client().change_message_visibility(QueueUrl=url, ReceiptHandle=receipt_handle,
                                        VisibilityTimeout=max(0, min(MAX_VISIBILITY_SECONDS, int(seconds))))


def receive(url: str, *, limit: int = 10, wait_seconds: int = 0) -> list[dict[str, Any]]:
    return _client().receive_message(
        QueueUrl=url, MaxNumberOfMessages=max(1, min(10, limit)), WaitTimeSeconds=wait_seconds,
        VisibilityTimeout=60, AttributeNames=["All"], MessageSystemAttributeNames=["All"],
        MessageAttributeNames=["All"]).get("Messages", [])


def delete(url: str, receipt_handle: str) -> None:
    _client().delete_message(QueueUrl=url, ReceiptHandle=receipt_handle)


def resend(url: str, message: dict[str, Any], *, deduplication_id: str) -> None:
    """Send a received message (its body, group and attributes) to another FIFO queue."""
    attributes = message.get("Attributes") or {}
    request: dict[str, Any] = {"QueueUrl": url, "MessageBody": message["Body"],
                               "MessageGroupId": attributes.get("MessageGroupId") or "replay",
                               "MessageDeduplicationId": deduplication_id[:128]}
    custom = {name: {"DataType": value["DataType"], "StringValue": value["StringValue"]}
              for name, value in (message.get("MessageAttributes") or {}).items() if "StringValue" in value}
    if custom:
        request["MessageAttributes"] = custom
    _client().send_message(**request)


def depth(url: str) -> QueueDepth:
    started = time.monotonic()
    try:
        attributes = _client().get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
    except Exception:
        return QueueDepth(url, reachable=False, latency_ms=int((time.monotonic() - started) * 1000))
    return QueueDepth(url, reachable=True, visible=int(attributes.get("ApproximateNumberOfMessages", 0)),
                      in_flight=int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
                      latency_ms=int((time.monotonic() - started) * 1000))
