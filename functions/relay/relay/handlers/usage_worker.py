"""The usage worker: batches of usage events from UsageQueue, each written on its own (partial batch responses,
so a failed event alone comes back)."""

from relay.routes import usage_worker
from suite.workers import sqs_consumer

handler = sqs_consumer(usage_worker.count)
