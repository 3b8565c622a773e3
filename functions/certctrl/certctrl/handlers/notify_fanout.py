"""NotifyFanoutFunction (NotifyEventsQueue): an event → one delivery per subscribed, verified channel."""

from certctrl.routes import notify_workers
from suite.workers import sqs_consumer

handler = sqs_consumer(notify_workers.fanout)
