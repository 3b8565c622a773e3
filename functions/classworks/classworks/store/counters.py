"""Id counters (`COUNTER` / `APP`, `COUNTER` / `DEVICE`): atomic `ADD`, so concurrent callers never share a value."""

from __future__ import annotations

from classworks import config
from suite import dynamo


def next_value(name: str) -> int:
    answer = dynamo.update(config.table(), "COUNTER", name, "ADD n :one", values={":one": 1},
                           return_values="UPDATED_NEW")
    return int((answer or {})["n"])
