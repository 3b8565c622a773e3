"""Users, their unique names and e-mails (RelayTable: `USER#<id>`/`USER`, `USERNAME#..`, `EMAIL#..`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pynamodb.exceptions import PynamoDBException, TransactWriteError

from relay.models.entities import Unique, User, order
from relay.store import common


def user_pk(user_id: int) -> str:
    return f"USER#{int(user_id)}"


def _unique(name: str, value: str) -> tuple[str, str]:
    return f"{name}#{value.strip().lower()}", "UNIQUE"


def get(user_id: int) -> User | None:
    return common.get_or_none(User, user_pk(user_id), "USER")


def by_username(username: str) -> User | None:
    marker = common.get_or_none(Unique, *_unique("USERNAME", username))
    return get(marker.owner_id) if marker else None


def email_taken(email: str) -> bool:
    return common.get_or_none(Unique, *_unique("EMAIL", email)) is not None


def username_taken(username: str) -> bool:
    return common.get_or_none(Unique, *_unique("USERNAME", username)) is not None


class Taken(Exception):
    """The username (or e-mail) belongs to somebody else."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


class Missing(Exception):
    """The user was deleted meanwhile."""


def new(user_id: int, **fields: Any) -> User:
    return User(user_pk(user_id), "USER", id=user_id, kind="USER", kind_order=order(user_id), **fields)


def create(user: User) -> None:
    """Write the user with its username (and e-mail) markers; Taken("username"|"email") when either is used."""
    actions = ["user", "username"]
    try:
        with common.transaction() as tx:
            tx.save(user, condition=User.pk.does_not_exist())
            tx.save(Unique(*_unique("USERNAME", user.username), owner_id=user.id),
                    condition=Unique.pk.does_not_exist())
            if user.email:
                actions.append("email")
                tx.save(Unique(*_unique("EMAIL", user.email), owner_id=user.id),
                        condition=Unique.pk.does_not_exist())
    except TransactWriteError as exc:
        if not common.condition_failed(exc):
            raise
        failed = [actions[i] for i in common.failed_actions(exc)] or ["username"]
        raise Taken("email" if "email" in failed and "username" not in failed else "username") from None


def update(user: User, changes: dict[str, Any], *, old_email: str | None = None) -> User:
    """Set `changes` on the user (only if it still exists); moves the e-mail marker when the e-mail changes."""
    actions = [getattr(User, name).set(value) if value is not None else getattr(User, name).remove()
               for name, value in changes.items()]
    new_email = changes.get("email", old_email)
    if "email" in changes and (new_email or "").lower() != (old_email or "").lower():
        try:
            with common.transaction() as tx:
                tx.update(user, actions=actions, condition=User.pk.exists())
                if new_email:
                    tx.save(Unique(*_unique("EMAIL", new_email), owner_id=user.id),
                            condition=Unique.pk.does_not_exist())
                if old_email:
                    tx.delete(Unique(*_unique("EMAIL", old_email), owner_id=user.id))
        except TransactWriteError as exc:
            if not common.condition_failed(exc):
                raise
            raise (Missing() if 0 in common.failed_actions(exc) else Taken("email")) from None
        user.refresh(consistent_read=True)
        return user
    try:
        user.update(actions=actions, condition=User.pk.exists())
    except PynamoDBException as exc:
        if common.condition_failed(exc):
            raise Missing() from None
        raise
    return user


def delete(user: User) -> bool:
    try:
        with common.transaction() as tx:
            tx.delete(user, condition=User.pk.exists())
            tx.delete(Unique(*_unique("USERNAME", user.username), owner_id=user.id))
            if user.email:
                tx.delete(Unique(*_unique("EMAIL", user.email), owner_id=user.id))
    except TransactWriteError as exc:
        if common.condition_failed(exc):
            return False
        raise
    return True


def page(offset: int, limit: int) -> list[User]:
    found: list[User] = []
    for index, user in enumerate(User.by_kind.query("USER", scan_index_forward=False)):
        if index >= offset + limit:
            break
        if index >= offset:
            found.append(user)
    return found


def count() -> int:
    return User.by_kind.count("USER")


def every() -> Iterator[User]:
    return User.by_kind.query("USER")


def many(user_ids: Iterable[int]) -> dict[int, User]:
    keys = [(user_pk(i), "USER") for i in dict.fromkeys(int(i) for i in user_ids)]
    found: dict[int, User] = {}
    for start in range(0, len(keys), 100):
        for user in User.batch_get(keys[start:start + 100], consistent_read=True):
            found[user.id] = user
    return found


def set_price_rate(user_ids: Iterable[int], price_rate: float, now: float) -> int:
    changed = 0
    for user_id in dict.fromkeys(int(i) for i in user_ids):
        try:
            User(user_pk(user_id), "USER").update(
                actions=[User.price_rate.set(price_rate), User.updated_at.set(now)], condition=User.pk.exists())
            changed += 1
        except PynamoDBException as exc:
            if not common.condition_failed(exc):
                raise
    return changed
