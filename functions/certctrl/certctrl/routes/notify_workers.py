"""The notification queues' records, read and handed to logic/notify_pipeline.py (one record at a time; a raised
exception marks the record failed, so SQS retries it and, after maxReceiveCount, keeps it in the DLQ)."""

from __future__ import annotations

import json
from typing import Any

from certctrl.logic import notify_pipeline


def _body(record: Any) -> dict[str, Any]:
    try:
        body = json.loads(record.body)
    except (TypeError, ValueError):
        return {}
    return body if isinstance(body, dict) else {}


def fanout(record: Any) -> int:
    return notify_pipeline.handle_event_message(_body(record))


def send(record: Any) -> str:
    body = _body(record)
    if not {"event_id", "user_id", "channel_id", "subject", "text"} <= set(body):
        return "malformed"
    return notify_pipeline.deliver(body)
