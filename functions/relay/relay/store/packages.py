"""Packages (`PKG#<id>`) and users' packages (`USER#<uid>`/`UPKG#<id>` with a `UPKG#<id>` pointer)."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import PynamoDBException, TransactWriteError

from relay.models.entities import ApiKey, Package, Ref, UserPackage, order
from relay.store import common
from relay.store.users import user_pk


def package_pk(package_id: int) -> str:
    return f"PKG#{int(package_id)}"


def new_package(package_id: int, **fields: Any) -> Package:
    return Package(package_pk(package_id), "PKG", id=package_id, kind="PKG", kind_order=order(package_id),
                   **fields)


def get_package(package_id: int) -> Package | None:
    return common.get_or_none(Package, package_pk(package_id), "PKG")


def all_packages() -> list[Package]:
    return list(Package.by_kind.query("PKG"))


def save(item: Any) -> None:
    item.save()


def update(item: Any, model: type, changes: dict[str, Any]) -> bool:
    actions = [getattr(model, name).set(value) if value is not None else getattr(model, name).remove()
               for name, value in changes.items()]
    if not actions:
        return True
    try:
        item.update(actions=actions, condition=model.pk.exists())
    except PynamoDBException as exc:
        if common.condition_failed(exc):
            return False
        raise
    return True


def delete_package(item: Package) -> bool:
    try:
        item.delete(condition=Package.pk.exists())
    except PynamoDBException as exc:
        if common.condition_failed(exc):
            return False
        raise
    return True


def new_user_package(user_id: int, up_id: int, **fields: Any) -> UserPackage:
    return UserPackage(user_pk(user_id), f"UPKG#{int(up_id)}", id=up_id, user_id=user_id, kind="UPKG",
                       kind_order=order(up_id), **fields)


def create_user_package(item: UserPackage) -> None:
    with common.transaction() as tx:
        tx.save(item, condition=UserPackage.pk.does_not_exist())
        tx.save(Ref(f"UPKG#{item.id}", "REF", user_id=item.user_id, target_id=item.id),
                condition=Ref.pk.does_not_exist())


def get_user_package(user_id: int, up_id: int) -> UserPackage | None:
    return common.get_or_none(UserPackage, user_pk(user_id), f"UPKG#{int(up_id)}")


def user_package_by_id(up_id: int) -> UserPackage | None:
    ref = common.get_or_none(Ref, f"UPKG#{int(up_id)}", "REF")
    return get_user_package(ref.user_id, ref.target_id) if ref else None


def of_user(user_id: int) -> list[UserPackage]:
    return list(UserPackage.query(user_pk(user_id), UserPackage.sk.startswith("UPKG#"), consistent_read=True))


def delete_user_package(item: UserPackage, bound_keys: list[ApiKey]) -> bool:
    """Delete a user's package and unbind the keys bound to it, all or nothing."""
    try:
        with common.transaction() as tx:
            tx.delete(item, condition=UserPackage.pk.exists())
            tx.delete(Ref(f"UPKG#{item.id}", "REF", user_id=item.user_id, target_id=item.id))
            for key in bound_keys[:95]:
                tx.update(key, actions=[ApiKey.user_package_id.remove()], condition=ApiKey.pk.exists())
    except TransactWriteError as exc:
        if common.condition_failed(exc):
            return False
        raise
    return True
