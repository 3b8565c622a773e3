"""The Lambda DynamoDB-stream event source: read a table's stream and invoke the consumer with batches.

As Lambda does: records in order per shard, `Records` in the stream shape plus `eventSourceARN`, and on a failed
batch a retry from the first failed record (with `ReportBatchItemFailures`, from the sequence number the
function names; otherwise the whole batch) until `MaximumRetryAttempts`, after which the batch is skipped and
its description (shard, sequence range, stream) goes to the OnFailure SQS destination, as Lambda sends it.
With the default of -1 a poison record blocks its shard, exactly like Lambda, so templates set
MaximumRetryAttempts.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from typing import Any

from devstack.logs import LogSink
from devstack.runtime import FunctionRuntime
from devstack.template import StreamSource

POLL_SECONDS = 0.25


def first_failure(source: StreamSource, result: Any, records: list[dict[str, Any]]) -> int | None:
    """Index of the first record to retry, or None when the batch succeeded (Lambda's rules)."""
    if not source.report_batch_item_failures or not result:
        return None
    failures = result.get("batchItemFailures") if isinstance(result, dict) else None
    if not failures:
        return None
    sequence = {r["dynamodb"]["SequenceNumber"]: i for i, r in enumerate(records)}
    indexes = []
    for item in failures:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if identifier not in sequence:
            return 0  # an invalid answer retries the whole batch
        indexes.append(sequence[identifier])
    return min(indexes)


def lambda_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A stream record as Lambda delivers it: boto3's datetimes back to epoch seconds, plus eventSourceARN."""
    dynamodb = dict(record["dynamodb"])
    created = dynamodb.get("ApproximateCreationDateTime")
    if isinstance(created, dt.datetime):
        dynamodb["ApproximateCreationDateTime"] = int(created.timestamp())
    return {**record, "dynamodb": dynamodb, "eventSourceARN": stream_arn}


class StreamPump:
    def __init__(self, *, source: StreamSource, runtime: FunctionRuntime, streams: Any, logs: LogSink,
                 sqs: Any = None, queue_urls: dict[str, str] | None = None) -> None:
        self.source = source
        self.runtime = runtime
        self.streams = streams
        self.logs = logs
        self.sqs = sqs
        self.queue_urls = queue_urls or {}
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.delivered = 0
        self.skipped = 0

    def start(self) -> None:
        description = self.streams.describe_stream(StreamArn=self.source.stream_arn)["StreamDescription"]
        for shard in description.get("Shards", []):
            iterator = self.streams.get_shard_iterator(
                StreamArn=self.source.stream_arn, ShardId=shard["ShardId"],
                ShardIteratorType=self.source.starting_position)["ShardIterator"]
            thread = threading.Thread(target=self._run, args=(iterator, shard["ShardId"]), daemon=True,
                                      name=f"stream-{self.runtime.spec.logical_id}")
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)

    def _run(self, iterator: str, shard_id: str) -> None:
        pending: list[dict[str, Any]] = []
        while not self._stop.is_set() and iterator:
            try:
                answer = self.streams.get_records(ShardIterator=iterator, Limit=self.source.batch_size)
            except Exception as exc:  # keep reading through a transient endpoint error
                if self._stop.is_set():
                    return
                self.logs.system(f"stream read for {self.runtime.spec.key} failed: {exc}")
                self._stop.wait(1)
                continue
            iterator = answer.get("NextShardIterator")
            pending.extend(answer.get("Records", []))
            while pending and not self._stop.is_set():
                batch = pending[: self.source.batch_size]
                self._deliver(batch, shard_id)
                pending = pending[len(batch):]
            self._stop.wait(POLL_SECONDS)

    def _deliver(self, batch: list[dict[str, Any]], shard_id: str) -> None:
        attempts = 0
        while batch and not self._stop.is_set():
            records = [lambda_record(record, self.source.stream_arn) for record in batch]
            invocation = self.runtime.invoke({"Records": records})
            retry_from = 0 if not invocation.ok else first_failure(self.source, invocation.result, records)
            if retry_from is None:
                self.delivered += len(batch)
                return
            self.delivered += retry_from
            batch = batch[retry_from:]
            attempts += 1
            if 0 <= self.source.maximum_retry_attempts < attempts:
                self.skipped += len(batch)
                self.logs.system(f"stream {self.runtime.spec.key}: gave up on {len(batch)} records after "
                                 f"{attempts - 1} retries")
                self._send_to_failure_destination(batch, shard_id, attempts - 1)
                return
            self._stop.wait(min(2 ** attempts * 0.1, 2))

    def _send_to_failure_destination(self, batch: list[dict[str, Any]], shard_id: str, retries: int) -> None:
        """What Lambda puts on the OnFailure queue: where the batch was, not the records themselves."""
        if not self.source.on_failure_arn or self.sqs is None:
            return
        url = self.queue_urls.get(self.source.on_failure_arn)
        if url is None:
            self.logs.system(f"stream {self.runtime.spec.key}: failure destination {self.source.on_failure_arn} "
                             "is not in the templates")
            return
        sequences = [record["dynamodb"]["SequenceNumber"] for record in batch]
        now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        description = {
            "requestContext": {"requestId": "", "functionArn": f"function:{self.runtime.spec.name}",
                               "condition": "RetryAttemptsExhausted", "approximateInvokeCount": retries + 1},
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST"},
            "version": "1.0",
            "timestamp": now,
            "DDBStreamBatchInfo": {
                "shardId": shard_id,
                "startSequenceNumber": sequences[0],
                "endSequenceNumber": sequences[-1],
                "approximateArrivalOfFirstRecord": now,
                "approximateArrivalOfLastRecord": now,
                "batchSize": len(batch),
                "streamArn": self.source.stream_arn,
            },
        }
        self.sqs.send_message(QueueUrl=url, MessageBody=json.dumps(description))
