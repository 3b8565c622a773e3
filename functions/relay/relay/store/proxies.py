"""Proxy configs (`PROXY#<id>`, the default in `PROXYDEFAULT`/`REF`)."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import PynamoDBException, TransactWriteError

from relay.models.entities import ProxyConfig, Ref, order
from relay.store import common

DEFAULT = ("PROXYDEFAULT", "REF")


def new(proxy_id: int, **fields: Any) -> ProxyConfig:
    return ProxyConfig(f"PROXY#{proxy_id}", "PROXY", id=proxy_id, kind="PROXY", kind_order=order(proxy_id),
                       **fields)


def save(item: ProxyConfig) -> None:
    item.save()


def get(proxy_id: int) -> ProxyConfig | None:
    return common.get_or_none(ProxyConfig, f"PROXY#{int(proxy_id)}", "PROXY")


def many(ids: list[int]) -> dict[int, ProxyConfig]:
    keys = [(f"PROXY#{i}", "PROXY") for i in dict.fromkeys(ids)]
    return {p.id: p for p in ProxyConfig.batch_get(keys[:100], consistent_read=True)} if keys else {}


def every() -> list[ProxyConfig]:
    return list(ProxyConfig.by_kind.query("PROXY"))


def update(item: ProxyConfig, changes: dict[str, Any]) -> bool:
    actions = [getattr(ProxyConfig, name).set(value) if value is not None else getattr(ProxyConfig, name).remove()
               for name, value in changes.items()]
    if not actions:
        return True
    try:
        item.update(actions=actions, condition=ProxyConfig.pk.exists())
    except PynamoDBException as exc:
        if common.condition_failed(exc):
            return False
        raise
    return True


def delete(item: ProxyConfig) -> bool:
    try:
        with common.transaction() as tx:
            tx.delete(item, condition=ProxyConfig.pk.exists())
            if item.is_default:
                tx.delete(Ref(*DEFAULT, user_id=0, target_id=item.id))
    except TransactWriteError as exc:
        if common.condition_failed(exc):
            return False
        raise
    return True


def default_id() -> int | None:
    ref = common.get_or_none(Ref, *DEFAULT)
    return ref.target_id if ref else None


def set_default(item: ProxyConfig, previous: ProxyConfig | None) -> bool:
    try:
        with common.transaction() as tx:
            tx.update(item, actions=[ProxyConfig.is_default.set(True)], condition=ProxyConfig.pk.exists())
            if previous is not None and previous.id != item.id:
                tx.update(previous, actions=[ProxyConfig.is_default.set(False)], condition=ProxyConfig.pk.exists())
            tx.save(Ref(*DEFAULT, user_id=0, target_id=item.id))
    except TransactWriteError as exc:
        if common.condition_failed(exc):
            return False
        raise
    return True


def clear_default(previous: ProxyConfig | None) -> None:
    try:
        with common.transaction() as tx:
            if previous is not None:
                tx.update(previous, actions=[ProxyConfig.is_default.set(False)], condition=ProxyConfig.pk.exists())
            tx.delete(Ref(*DEFAULT, user_id=0, target_id=previous.id if previous else 0))
    except TransactWriteError as exc:
        if not common.condition_failed(exc):
            raise
        Ref(*DEFAULT, user_id=0, target_id=0).delete()  # the previous default is gone: forget the pointer
