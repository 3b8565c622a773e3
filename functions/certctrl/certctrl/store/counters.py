"""Numeric ids (users, devices, API keys): one atomic counter per kind in AccountsTable (`SEQ#<kind>`)."""

from __future__ import annotations

from certctrl.store import common
from suite import dynamo


def next_id(kind: str) -> int:
    item = dynamo.update(common.accounts(), f"SEQ#{kind}", "SEQ", "ADD #value :one", names={"#value": "value"},
                         values={":one": 1})
    return int(item["value"])
