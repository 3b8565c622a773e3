"""Ingestion and delivery bookkeeping in ConfigTable (every item expires through the TTL `expires_at`).

- Webhook event claims, pk `KOOK_EVENT#<account>` / sk `<sn>#<msg_id>`: written once with a conditional put, so
  KOOK's retries of an event are dropped; kept 7 days.
- Poll cursors, pk `POLL_CURSOR` / sk KOOK channel id: the last forwarded message id and time, with a `version`
  for conditional updates (two overlapping poller runs cannot move a cursor backwards or twice).
- Poll pauses, pk `POLL_PAUSE` / sk account id: KOOK's rate limit said to wait until `until`.
- Delivery progress, pk `DELIVERY_PART#<msg_id>` / sk target: how many parts of a multi-part message were sent,
  so a retry continues after them; kept 7 days.
"""

from __future__ import annotations

from typing import Any

from kook import clock, config
from suite import dynamo

EVENT_CLAIM_TTL_SECONDS = 7 * 86400
PROGRESS_TTL_SECONDS = 7 * 86400
CURSOR = "POLL_CURSOR"
PAUSE = "POLL_PAUSE"


def _table() -> str:
    return config.get().config_table


# ------------------------------------------------------------------------------------------------ webhook events

def _event_key(account_id: int, sn: Any, msg_id: str) -> tuple[str, str]:
    return f"KOOK_EVENT#{account_id}", f"{sn}#{msg_id}"


def claim_event(account_id: int, sn: Any, msg_id: str) -> bool:
    """True the first time KOOK delivers this event; False for its retries."""
    pk, sk = _event_key(account_id, sn, msg_id)
    return dynamo.put_if(_table(), {"pk": pk, "sk": sk, "expires_at": clock.epoch() + EVENT_CLAIM_TTL_SECONDS},
                         condition="attribute_not_exists(pk)")


def release_event(account_id: int, sn: Any, msg_id: str) -> None:
    """Forget a claim whose message could not be queued, so KOOK's retry is accepted."""
    pk, sk = _event_key(account_id, sn, msg_id)
    dynamo.delete(_table(), pk, sk)


# ------------------------------------------------------------------------------------------------ poll cursors

def cursor(channel_id: str) -> dict[str, Any] | None:
    return dynamo.get(_table(), CURSOR, channel_id)


def cursors() -> list[dict[str, Any]]:
    return list(dynamo.query_partition(_table(), CURSOR))


def advance_cursor(channel_id: str, *, msg_id: str | None, timestamp: int, expected_version: int | None) -> bool:
    """Move the channel's cursor forward if nobody else did meanwhile (False: another run got there first)."""
    item = {"pk": CURSOR, "sk": channel_id, "msg_id": msg_id, "timestamp": timestamp,
            "version": (expected_version or 0) + 1, "updated_at": clock.iso()}
    if expected_version is None:
        condition, values = "attribute_not_exists(pk)", None
    else:
        condition, values = "version = :version", {":version": expected_version}
    return dynamo.put_if(_table(), item, condition=condition, values=values)


def delete_cursor(channel_id: str) -> None:
    dynamo.delete(_table(), CURSOR, channel_id)


def paused_until(account_id: int) -> int:
    item = dynamo.get(_table(), PAUSE, str(account_id), consistent=False)
    return int(item["until"]) if item else 0


def pause(account_id: int, until: int) -> None:
    dynamo.put(_table(), {"pk": PAUSE, "sk": str(account_id), "until": until, "expires_at": until + 3600})


# ------------------------------------------------------------------------------------------------ delivery parts

def parts_sent(msg_id: str, target: str) -> int:
    item = dynamo.get(_table(), f"DELIVERY_PART#{msg_id}", target)
    return int(item["parts"]) if item else 0


def record_parts_sent(msg_id: str, target: str, parts: int) -> None:
    dynamo.put(_table(), {"pk": f"DELIVERY_PART#{msg_id}", "sk": target, "parts": parts,
                          "expires_at": clock.epoch() + PROGRESS_TTL_SECONDS})
