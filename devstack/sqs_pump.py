"""The Lambda SQS event source mapping: poll a queue, invoke its consumer with a batch, delete what succeeded.

Semantics follow Lambda's: the template's BatchSize (and batching window), `Records` in Lambda's shape, and
with `ReportBatchItemFailures` only the messages named in `batchItemFailures` stay on the queue (a malformed
answer, or a function error, keeps the whole batch). Messages that stay become visible again when their
visibility timeout ends, and after the queue's maxReceiveCount receives SQS itself (moto here) moves them to
the dead-letter queue. `retry_delay` optionally shortens the wait before a failed message is retried, so
local runs and tests need not sit out a long visibility timeout; it changes only the timing, never the counts.
"""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Any

from devstack.logs import LogSink
from devstack.runtime import FunctionRuntime
from devstack.template import REGION, SqsSource

MAX_RECEIVE = 10  # SQS ReceiveMessage limit per call


def lambda_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    attributes = message.get("Attributes", {})
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {k: v for k, v in attributes.items() if k in (
            "ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp",
            "MessageGroupId", "MessageDeduplicationId", "SequenceNumber", "AWSTraceHeader")},
        "messageAttributes": {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "stringListValues": value.get("StringListValues", []),
                "binaryListValues": value.get("BinaryListValues", []),
                "dataType": value["DataType"],
            }
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message.get("MD5OfBody") or hashlib.md5(message["Body"].encode()).hexdigest(),  # noqa: S324
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }


def failed_ids(source: SqsSource, result: Any, batch_ids: set[str]) -> set[str]:
    """Which messages of the batch count as failed, given the function's answer (Lambda's rules)."""
    if not source.report_batch_item_failures:
        return set()
    if result is None or result == {}:
        return set()
    if not isinstance(result, dict) or not isinstance(result.get("batchItemFailures", []), list):
        return batch_ids
    failures = set()
    for item in result.get("batchItemFailures") or []:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not identifier or identifier not in batch_ids:
            return batch_ids  # an invalid answer fails the whole batch
        failures.add(identifier)
    return failures


class SqsPump:
    def __init__(self, *, source: SqsSource, queue_url: str, runtime: FunctionRuntime, sqs: Any, logs: LogSink,
                 retry_delay: int | None = None) -> None:
        self.source = source
        self.queue_url = queue_url
        self.runtime = runtime
        self.sqs = sqs
        self.logs = logs
        self.retry_delay = retry_delay
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.batches = 0
        self.deleted = 0
        self.failed = 0
        self.idle = threading.Event()  # set while the queue looked empty at the last poll

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"sqs-{self.source.queue_name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                messages = self._receive_batch()
            except Exception as exc:  # keep polling through a transient endpoint error
                if self._stop.is_set():
                    return
                self.logs.system(f"sqs poll {self.source.queue_name} failed: {exc}")
                self._stop.wait(1)
                continue
            if not messages:
                self.idle.set()
                continue
            self.idle.clear()
            self.deliver(messages)

    def _receive_batch(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        window_ends = time.monotonic() + self.source.batching_window_seconds
        while len(messages) < self.source.batch_size and not self._stop.is_set():
            wanted = min(MAX_RECEIVE, self.source.batch_size - len(messages))
            received = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=wanted, WaitTimeSeconds=1 if not messages else 0,
                AttributeNames=["All"], MessageSystemAttributeNames=["All"], MessageAttributeNames=["All"],
            ).get("Messages", [])
            messages.extend(received)
            if not received or time.monotonic() >= window_ends:
                break
        return messages

    def deliver(self, messages: list[dict[str, Any]]) -> None:
        records = [lambda_record(m, self.source.queue_arn) for m in messages]
        ids = {r["messageId"] for r in records}
        invocation = self.runtime.invoke({"Records": records})
        self.batches += 1
        failed = ids if not invocation.ok else failed_ids(self.source, invocation.result, ids)
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            chunk = done[start:start + 10]
            self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)])
        self.deleted += len(done)
        self.failed += len(failed)
        if failed:
            self.logs.system(f"sqs {self.source.queue_name}: {len(failed)} of {len(messages)} failed"
                             + (f" ({invocation.error.get('errorMessage')})" if invocation.error else ""))
            if self.retry_delay is not None:
                for message in messages:
                    if message["MessageId"] in failed:
                        self.sqs.change_message_visibility(QueueUrl=self.queue_url,
                                                           ReceiptHandle=message["ReceiptHandle"],
                                                           VisibilityTimeout=self.retry_delay)
