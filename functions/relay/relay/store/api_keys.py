"""API keys in their owner's partition (`USER#<uid>`/`KEY#<id>`), with `KEY#<id>` and `KEYDIGEST#<sha256>`
pointers; the owner's `key_count` moves in the same transaction, so the 10-key limit holds under races."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pynamodb.exceptions import PynamoDBException, TransactWriteError

from relay.models.entities import ApiKey, Ref, User, order
from relay.store import common
from relay.store.users import user_pk


class LimitReached(Exception):
    """The owner already has the most keys allowed (or no longer exists)."""


def key_sk(key_id: int) -> str:
    return f"KEY#{int(key_id)}"


def new(user_id: int, key_id: int, **fields: Any) -> ApiKey:
    return ApiKey(user_pk(user_id), key_sk(key_id), id=key_id, user_id=user_id, kind="KEY",
                  kind_order=order(key_id), **fields)


def create(key: ApiKey, *, max_keys: int) -> None:
    owner = User(user_pk(key.user_id), "USER")
    try:
        with common.transaction() as tx:
            tx.save(key, condition=ApiKey.pk.does_not_exist())
            tx.save(Ref(f"KEY#{key.id}", "REF", user_id=key.user_id, target_id=key.id),
                    condition=Ref.pk.does_not_exist())
            tx.save(Ref(f"KEYDIGEST#{key.key_digest}", "REF", user_id=key.user_id, target_id=key.id),
                    condition=Ref.pk.does_not_exist())
            tx.update(owner, actions=[User.key_count.add(1)],
                      condition=User.pk.exists() & (User.key_count < max_keys))
    except TransactWriteError as exc:
        if common.condition_failed(exc):
            raise LimitReached() from None
        raise


def get(user_id: int, key_id: int) -> ApiKey | None:
    return common.get_or_none(ApiKey, user_pk(user_id), key_sk(key_id))


def owner_of(key_id: int) -> int | None:
    ref = common.get_or_none(Ref, f"KEY#{int(key_id)}", "REF")
    return ref.user_id if ref else None


def by_digest(digest: str) -> ApiKey | None:
    """The key a presented secret belongs to (the proxy's lookup)."""
    ref = common.get_or_none(Ref, f"KEYDIGEST#{digest}", "REF")
    return get(ref.user_id, ref.target_id) if ref else None


def holder(digest: str) -> tuple[ApiKey | None, User | None]:
    """The key a presented secret belongs to and its owner (the proxy's lookup): the digest pointer (GetItem),
    then the key and the user together (one BatchGetItem)."""
    ref = common.get_or_none(Ref, f"KEYDIGEST#{digest}", "REF")
    if ref is None:
        return None, None
    found = common.batch_models([(ApiKey, user_pk(ref.user_id), key_sk(ref.target_id)),
                                 (User, user_pk(ref.user_id), "USER")])
    return found.get((user_pk(ref.user_id), key_sk(ref.target_id))), found.get((user_pk(ref.user_id), "USER"))


def touch(user_id: int, key_id: int, at: float) -> None:
    """Note when the key was last used (only ever forward; a deleted key stays deleted)."""
    try:
        ApiKey(user_pk(user_id), key_sk(key_id)).update(
            actions=[ApiKey.last_used_at.set(at)],
            condition=ApiKey.pk.exists() & (ApiKey.last_used_at.does_not_exist() | (ApiKey.last_used_at < at)))
    except PynamoDBException as exc:
        if not common.condition_failed(exc):
            raise


def of_user(user_id: int) -> list[ApiKey]:
    return list(ApiKey.query(user_pk(user_id), ApiKey.sk.startswith("KEY#"), consistent_read=True))


def update(key: ApiKey, changes: dict[str, Any]) -> bool:
    actions = [getattr(ApiKey, name).set(value) if value is not None else getattr(ApiKey, name).remove()
               for name, value in changes.items()]
    try:
        key.update(actions=actions, condition=ApiKey.pk.exists())
    except PynamoDBException as exc:
        if common.condition_failed(exc):
            return False
        raise
    return True


def delete(key: ApiKey) -> bool:
    owner = User(user_pk(key.user_id), "USER")
    try:
        with common.transaction() as tx:
            tx.delete(key, condition=ApiKey.pk.exists())
            tx.delete(Ref(f"KEY#{key.id}", "REF", user_id=key.user_id, target_id=key.id))
            tx.delete(Ref(f"KEYDIGEST#{key.key_digest}", "REF", user_id=key.user_id, target_id=key.id))
            tx.update(owner, actions=[User.key_count.add(-1)], condition=User.key_count > 0)
    except TransactWriteError as exc:
        if common.condition_failed(exc):
            return _delete_without_owner(key)
        raise
    return True


def _delete_without_owner(key: ApiKey) -> bool:
    """The owner is gone (or its count is off): remove the key and its pointers alone."""
    try:
        with common.transaction() as tx:
            tx.delete(key, condition=ApiKey.pk.exists())
            tx.delete(Ref(f"KEY#{key.id}", "REF", user_id=key.user_id, target_id=key.id))
            tx.delete(Ref(f"KEYDIGEST#{key.key_digest}", "REF", user_id=key.user_id, target_id=key.id))
    except TransactWriteError as exc:
        if common.condition_failed(exc):
            return False
        raise
    return True


def page(offset: int, limit: int) -> list[ApiKey]:
    found: list[ApiKey] = []
    for index, key in enumerate(ApiKey.by_kind.query("KEY", scan_index_forward=False)):
        if index >= offset + limit:
            break
        if index >= offset:
            found.append(key)
    return found


def count() -> int:
    return ApiKey.by_kind.count("KEY")


def many(key_ids: Iterable[int]) -> list[ApiKey]:
    """Keys by id (two BatchGetItems: the pointers, then the keys)."""
    wanted = list(dict.fromkeys(int(i) for i in key_ids))
    refs: list[Ref] = []
    for start in range(0, len(wanted), 100):
        refs += list(Ref.batch_get([(f"KEY#{i}", "REF") for i in wanted[start:start + 100]], consistent_read=True))
    keys: list[ApiKey] = []
    pairs = [(user_pk(ref.user_id), key_sk(ref.target_id)) for ref in refs]
    for start in range(0, len(pairs), 100):
        keys += list(ApiKey.batch_get(pairs[start:start + 100], consistent_read=True))
    order_of = {key_id: n for n, key_id in enumerate(wanted)}
    return sorted(keys, key=lambda k: order_of.get(k.id, 0))


def of_package(user_id: int, user_package_id: int) -> Iterator[ApiKey]:
    return (key for key in of_user(user_id) if key.user_package_id == user_package_id)
