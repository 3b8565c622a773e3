"""The model catalogue (`MODEL#<id>`, unique names `MODELNAME#<name>`) and model mappings (`MAP#<id>`)."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import PynamoDBException, TransactWriteError

from relay.models.entities import AiModel, ModelMapping, Unique, order
from relay.store import common


class Taken(Exception):
    """Another model has this name."""


def _name(name: str) -> tuple[str, str]:
    return f"MODELNAME#{name.strip().lower()}", "UNIQUE"


def model_order(sort_order: int, model_id: int) -> str:
    return f"{order(sort_order, 8)}#{order(model_id)}"


def new_model(model_id: int, **fields: Any) -> AiModel:
    return AiModel(f"MODEL#{model_id}", "MODEL", id=model_id, kind="MODEL",
                   kind_order=model_order(fields.get("sort_order", 0), model_id), **fields)


def create_model(item: AiModel) -> None:
    try:
        with common.transaction() as tx:
            tx.save(item, condition=AiModel.pk.does_not_exist())
            tx.save(Unique(*_name(item.name), owner_id=item.id), condition=Unique.pk.does_not_exist())
    except TransactWriteError as exc:
        if common.condition_failed(exc):
            raise Taken() from None
        raise


def get_model(model_id: int) -> AiModel | None:
    return common.get_or_none(AiModel, f"MODEL#{int(model_id)}", "MODEL")


def all_models() -> list[AiModel]:
    return list(AiModel.by_kind.query("MODEL"))


PRICING = ("name", "aliases", "enabled", "input_price", "output_price", "cache_create_price", "cache_read_price")


def pricing() -> list[AiModel]:
    """Every model with only what the proxy needs (names, aliases, enabled, prices)."""
    return list(AiModel.by_kind.query("MODEL", attributes_to_get=list(PRICING)))


def update_model(item: AiModel, changes: dict[str, Any], *, old_name: str) -> bool:
    if "sort_order" in changes:
        changes["kind_order"] = model_order(changes["sort_order"], item.id)
    actions = [getattr(AiModel, name).set(value) for name, value in changes.items()]
    renamed = "name" in changes and changes["name"].lower() != old_name.lower()
    try:
        with common.transaction() as tx:
            tx.update(item, actions=actions, condition=AiModel.pk.exists())
            if renamed:
                tx.save(Unique(*_name(changes["name"]), owner_id=item.id), condition=Unique.pk.does_not_exist())
                tx.delete(Unique(*_name(old_name), owner_id=item.id))
    except TransactWriteError as exc:
        if not common.condition_failed(exc):
            raise
        if 0 in common.failed_actions(exc):
            return False
        raise Taken() from None
    return True


def delete_model(item: AiModel) -> bool:
    try:
        with common.transaction() as tx:
            tx.delete(item, condition=AiModel.pk.exists())
            tx.delete(Unique(*_name(item.name), owner_id=item.id))
    except TransactWriteError as exc:
        if common.condition_failed(exc):
            return False
        raise
    return True


def new_mapping(mapping_id: int, **fields: Any) -> ModelMapping:
    return ModelMapping(f"MAP#{mapping_id}", "MAP", id=mapping_id, kind="MAP", kind_order=order(mapping_id),
                        **fields)


def save(item: Any) -> None:
    item.save()


def get_mapping(mapping_id: int) -> ModelMapping | None:
    return common.get_or_none(ModelMapping, f"MAP#{int(mapping_id)}", "MAP")


def all_mappings() -> list[ModelMapping]:
    return list(ModelMapping.by_kind.query("MAP"))


def update(item: Any, model: type, changes: dict[str, Any]) -> bool:
    actions = [getattr(model, name).set(value) for name, value in changes.items()]
    if not actions:
        return True
    try:
        item.update(actions=actions, condition=model.pk.exists())
    except PynamoDBException as exc:
        if common.condition_failed(exc):
            return False
        raise
    return True


def delete(item: Any, model: type) -> bool:
    try:
        item.delete(condition=model.pk.exists())
    except PynamoDBException as exc:
        if common.condition_failed(exc):
            return False
        raise
    return True
