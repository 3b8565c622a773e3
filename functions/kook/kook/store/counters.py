"""kook's integer id counters (ConfigTable pk "COUNTER" / sk account | bot | mapping): atomic `ADD`, so
concurrent creates never share an id (the doc shows integer ids)."""

from __future__ import annotations

from suite import dynamo

COUNTER = "COUNTER"


def next_ids(table: str, kind: str, count: int = 1) -> list[int]:
    """`count` fresh integer ids for `kind` (accounts, bots, mappings), from one atomic counter."""
    answer = dynamo.update(table, COUNTER, kind, "ADD #value :n", names={"#value": "value"}, values={":n": count})
    last = int(answer["value"])
    return list(range(last - count + 1, last + 1))


def raise_counter_to(table: str, kind: str, at_least: int) -> None:
    """Make sure the next id of `kind` is above `at_least` (after a restore wrote ids of its own)."""
    try:
        dynamo.update(table, COUNTER, kind, "SET #value = :v", names={"#value": "value"}, values={":v": at_least},
                      condition="attribute_not_exists(#value) OR #value < :v", return_values="NONE")
    except Exception as exc:
        if not dynamo.is_condition_failure(exc):
            raise
