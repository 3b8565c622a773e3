"""Top-ups in LedgerTable: `TOPUP#<id, 12 digits>` / `TOPUP`, with two index keys (docs/certctrl-money.md §3):
`gsi1` = `USER#<uid>#TOPUP` / `<created ms>#<id>` (a user's top-ups, newest first), `gsi2` = `TOPUPS#<state>` /
`<created ms>#<id>` (the admin's lists by state). Every state change is a conditional update (the state it
leaves is the condition) that also moves `gsi2pk`, so a top-up is in exactly one state list."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from certctrl.store.money_common import Write, next_id, table
from suite import dynamo

STATES = ("pending", "review", "succeeded", "failed", "rejected", "reversed")


def _pk(topup_id: int) -> str:
    return f"TOPUP#{topup_id:012d}"


def new_id() -> int:
    return next_id("topup")


def item(topup: Mapping[str, Any]) -> dict[str, Any]:
    order = f"{topup['created_ms']:013d}#{topup['topup_id']:012d}"
    return {"pk": _pk(topup["topup_id"]), "sk": "TOPUP", **dict(topup),
            "gsi1pk": f"USER#{topup['user_id']}#TOPUP", "gsi1sk": order,
            "gsi2pk": f"TOPUPS#{topup['state']}", "gsi2sk": order}


def create_write(topup: Mapping[str, Any]) -> Write:
    record = item(topup)
    return Write("topup", "put", record.pop("pk"), record.pop("sk"), item=record,
                 condition="attribute_not_exists(pk)")


def get(topup_id: int) -> dict[str, Any] | None:
    return dynamo.get(table(), _pk(topup_id), "TOPUP")


def transition(topup_id: int, from_states: Iterable[str], to_state: str, *, at_ms: int,
               fields: Mapping[str, Any] | None = None, remove: Iterable[str] = ()) -> Write:
    """`from_states` → `to_state` (the condition), setting `fields`: joins a ledger transaction or runs alone."""
    states = list(from_states)
    names = {"#state": "state"}
    values: dict[str, Any] = {":to": to_state, ":gsi": f"TOPUPS#{to_state}", ":now": at_ms}
    sets = ["#state = :to", "gsi2pk = :gsi", "updated_ms = :now"]
    for i, (name, value) in enumerate((fields or {}).items()):
        names[f"#f{i}"] = name
        values[f":f{i}"] = value
        sets.append(f"#f{i} = :f{i}")
    placeholders = []
    for i, state in enumerate(states):
        values[f":s{i}"] = state
        placeholders.append(f":s{i}")
    expression = "SET " + ", ".join(sets)
    removed = list(remove)
    if removed:
        for i, name in enumerate(removed):
            names[f"#r{i}"] = name
        expression += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(removed)))
    return Write("topup", "update", _pk(topup_id), "TOPUP", expression=expression,
                 condition=f"#state IN ({', '.join(placeholders)})", names=names, values=values)


def apply(write: Write) -> bool:
    """Run a transition alone: False when the top-up was not in a state it leaves."""
    try:
        dynamo.update(table(), write.pk, write.sk, write.expression or "", condition=write.condition,
                      names=dict(write.names), values=dict(write.values))
    except Exception as exc:
        if dynamo.is_condition_failure(exc):
            return False
        raise
    return True


def set_fields(topup_id: int, fields: Mapping[str, Any]) -> dict[str, Any] | None:
    names = {f"#f{i}": name for i, name in enumerate(fields)}
    values = {f":f{i}": value for i, value in enumerate(fields.values())}
    expression = "SET " + ", ".join(f"#f{i} = :f{i}" for i in range(len(fields)))
    return dynamo.update(table(), _pk(topup_id), "TOPUP", expression, names=names, values=values,
                         condition="attribute_exists(pk)")


def of_user(user_id: int, *, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    values = dynamo.expression_values({":pk": f"USER#{user_id}#TOPUP"})
    return dynamo.query_page(table(), offset, limit, IndexName="gsi1", KeyConditionExpression="gsi1pk = :pk",
                             ExpressionAttributeValues=values, ScanIndexForward=False)


def in_state(state: str, *, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    values = dynamo.expression_values({":pk": f"TOPUPS#{state}"})
    return dynamo.query_page(table(), offset, limit, IndexName="gsi2", KeyConditionExpression="gsi2pk = :pk",
                             ExpressionAttributeValues=values, ScanIndexForward=False)
