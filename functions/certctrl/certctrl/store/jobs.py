"""certctrl's certificate jobs queue (CERT_JOBS_QUEUE_URL): `issue.advance`, `cert.rewrap`, `cert.renew` messages
for CertWorkerFunction (docs/certctrl-certificates.md §8). A step of an issue is re-sent with `DelaySeconds`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from certctrl import config
from suite import aws

MAX_DELAY = 900  # SQS


def send(message: Mapping[str, Any], *, delay_seconds: int = 0) -> None:
    settings = config.get()
    delay = max(0, min(int(delay_seconds), MAX_DELAY, settings.step_delay_cap_seconds))
    aws.client("sqs").send_message(QueueUrl=settings.require("jobs_queue_url"),
                                   MessageBody=json.dumps(dict(message), separators=(",", ":")),
                                   DelaySeconds=delay)
