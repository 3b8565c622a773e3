"""certctrl's certificate events on EventBridge (CERT_EVENTS_BUS): `source` "certctrl", the detail types and
detail shapes of docs/certctrl.md §8 (the notifications of issue 19 subscribe with a rule)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from certctrl import config
from suite import aws

SOURCE = "certctrl"


class NotDelivered(Exception):
    """EventBridge refused the event (FailedEntryCount): the sweep gives its once-key back and tries again."""


def put(detail_type: str, detail: Mapping[str, Any]) -> None:
    answer = aws.client("events").put_events(Entries=[{
        "Source": SOURCE, "DetailType": detail_type, "Detail": json.dumps(dict(detail), separators=(",", ":")),
        "EventBusName": config.get().event_bus}])
    if answer.get("FailedEntryCount"):
        raise NotDelivered(str((answer.get("Entries") or [{}])[0].get("ErrorCode")))
