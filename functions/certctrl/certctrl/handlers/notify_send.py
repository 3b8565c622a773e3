"""NotifySendFunction (NotifyDeliveriesQueue): sends one notification (retried by the queue, then its DLQ)."""

from certctrl.routes import notify_workers
from suite.workers import sqs_consumer

handler = sqs_consumer(notify_workers.send)
