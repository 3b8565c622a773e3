"""The notify worker: SQS batches of (notification, channel) messages, each sent on its own; failures are reported
per message (partial batch response) so only they come back."""

from ccjk.routes import notify_worker
from suite.workers import sqs_consumer

handler = sqs_consumer(notify_worker.deliver)
