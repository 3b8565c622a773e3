"""RouterFunction: KOOK messages from the ingest FIFO queue → jobs on the per-platform FIFO queues."""

from kook.routes import ingest
from suite.workers import sqs_consumer

handler = sqs_consumer(ingest.route, fifo=True, before_batch=ingest.begin_batch, after_batch=ingest.end_batch)
