"""Small catalogue entities that share one shape of storage (`<PREFIX>#<id>`/`<PREFIX>`, kind `<PREFIX>`), with
an optional unique name (`<UNIQUE>#<value>`): error messages, error rules, client types, client rules."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import PynamoDBException, TransactWriteError

from relay.models.entities import Unique, order
from relay.store import common


class Taken(Exception):
    """The unique name belongs to another record."""


def new(model: type, prefix: str, record_id: int, *, kind_order: str | None = None, **fields: Any) -> Any:
    return model(f"{prefix}#{record_id}", prefix, id=record_id, kind=prefix, kind_order=kind_order or order(record_id),
                 **fields)


def _marker(unique: tuple[str, str], owner: int) -> Unique:
    return Unique(f"{unique[0]}#{unique[1].strip().lower()}", "UNIQUE", owner_id=owner)


def create(item: Any, *, unique: tuple[str, str] | None = None) -> None:
    model = type(item)
    try:
        with common.transaction() as tx:
            tx.save(item, condition=model.pk.does_not_exist())
            if unique:
                tx.save(_marker(unique, item.id), condition=Unique.pk.does_not_exist())
    except TransactWriteError as exc:
        if common.condition_failed(exc):
            raise Taken() from None
        raise


def get(model: type, prefix: str, record_id: int) -> Any:
    return common.get_or_none(model, f"{prefix}#{int(record_id)}", prefix)


def every(model: type, prefix: str) -> list[Any]:
    return list(model.by_kind.query(prefix))


def update(item: Any, changes: dict[str, Any], *, unique: tuple[str, str, str] | None = None) -> bool:
    """Set `changes`; `unique` = (name kind, old value, new value) moves a unique name."""
    model = type(item)
    actions = [getattr(model, name).set(value) for name, value in changes.items()]
    if not actions:
        return True
    moved = unique is not None and unique[1].strip().lower() != unique[2].strip().lower()
    try:
        if moved:
            with common.transaction() as tx:
                tx.update(item, actions=actions, condition=model.pk.exists())
                tx.save(_marker((unique[0], unique[2]), item.id), condition=Unique.pk.does_not_exist())
                tx.delete(_marker((unique[0], unique[1]), item.id))
        else:
            item.update(actions=actions, condition=model.pk.exists())
    except TransactWriteError as exc:
        if not common.condition_failed(exc):
            raise
        if 0 in common.failed_actions(exc):
            return False
        raise Taken() from None
    except PynamoDBException as exc:
        if common.condition_failed(exc):
            return False
        raise
    return True


def delete(item: Any, *, unique: tuple[str, str] | None = None) -> bool:
    model = type(item)
    try:
        with common.transaction() as tx:
            tx.delete(item, condition=model.pk.exists())
            if unique:
                tx.delete(_marker(unique, item.id))
    except TransactWriteError as exc:
        if common.condition_failed(exc):
            return False
        raise
    return True
