"""Upstream accounts (`ACCT#<id>`) and account groups (`GROUP#<id>`, members `GROUP#<gid>`/`MEMBER#<aid>`,
unique names `GROUPNAME#<lower>`). Group membership is written on both sides in one transaction."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import PynamoDBException, TransactWriteError

from relay.models.entities import Account, AccountGroup, GroupMember, Unique, order
from relay.store import common
from suite import dynamo


class Taken(Exception):
    """Another group has this name."""


def new(account_id: int, **fields: Any) -> Account:
    return Account(f"ACCT#{account_id}", "ACCT", id=account_id, kind="ACCT", kind_order=order(account_id), **fields)


def create(item: Account) -> None:
    item.save(condition=Account.pk.does_not_exist())


def get(account_id: int) -> Account | None:
    return common.get_or_none(Account, f"ACCT#{int(account_id)}", "ACCT")


def every() -> list[Account]:
    return list(Account.by_kind.query("ACCT"))


POOL = ("pk", "sk", "id", "name", "type", "platform", "status", "enabled", "priority", "weight", "base_url",
        "proxy_id", "model_mapping", "allowed_models", "max_concurrency", "organization_id", "credentials",
        "credential_fields", "token_expiry", "rate_limit_reset_at", "consecutive_error_count")


def pool() -> list[Account]:
    """Every account with only what the proxy's pool reads (no counters, no health-check figures)."""
    return list(Account.by_kind.query("ACCT", attributes_to_get=list(POOL)))


def update(item: Account, changes: dict[str, Any]) -> bool:
    actions = [getattr(Account, name).set(value) if value is not None else getattr(Account, name).remove()
               for name, value in changes.items()]
    if not actions:
        return True
    try:
        item.update(actions=actions, condition=Account.pk.exists())
    except PynamoDBException as exc:
        if common.condition_failed(exc):
            return False
        raise
    return True


# --- what the proxy's account pool writes (atomic updates of single attributes) ---------------------------------

def _table() -> str:
    return common.tables().table


def count_error(account_id: int, *, now: float, since: float, message: str) -> int:
    """Count one failed attempt: the account's consecutive errors after it (a run whose last error is older than
    `since` starts over at 1); 0 when the account is gone. Atomic: concurrent failures each count."""
    key = (f"ACCT#{int(account_id)}", "ACCT")
    names = {"#c": "consecutive_error_count", "#e": "error_count", "#m": "last_error", "#at": "last_error_at"}
    values = {":one": 1, ":m": message[:500], ":now": now}
    try:
        found = dynamo.update(_table(), *key, "ADD #c :one, #e :one SET #m = :m, #at = :now", names=names,
                              values={**values, ":since": since},
                              condition="attribute_exists(pk) AND #at >= :since", return_values="UPDATED_NEW")
        return int((found or {}).get("consecutive_error_count", 1))
    except Exception as exc:
        if not dynamo.is_condition_failure(exc):
            raise
    try:
        dynamo.update(_table(), *key, "SET #c = :one, #m = :m, #at = :now ADD #e :one", names=names, values=values,
                      condition="attribute_exists(pk)", return_values="NONE")
    except Exception as exc:
        if dynamo.is_condition_failure(exc):
            return 0
        raise
    return 1


def touch(account_id: int, at: float) -> None:
    """Note when the account last served (only ever forward; a deleted account stays deleted)."""
    try:
        dynamo.update(_table(), f"ACCT#{int(account_id)}", "ACCT", "SET #u = :at", names={"#u": "last_used_at"},
                      values={":at": at}, return_values="NONE",
                      condition="attribute_exists(pk) AND (attribute_not_exists(#u) OR #u < :at)")
    except Exception as exc:
        if not dynamo.is_condition_failure(exc):
            raise


def set_state(account_id: int, changes: dict[str, Any], *, expect_status: str | None = None) -> bool:
    """Set (None: remove) attributes of an account; with `expect_status`, only while its status is still that.
    False when the account is gone or its status moved on."""
    sets = {f"#{n}": n for n, v in changes.items() if v is not None}
    removes = [f"#{n}" for n, v in changes.items() if v is None]
    expression = " ".join(part for part in (
        ("SET " + ", ".join(f"{name} = :{name[1:]}" for name in sets)) if sets else "",
        ("REMOVE " + ", ".join(removes)) if removes else "") if part)
    names = {f"#{n}": n for n in changes}
    values: dict[str, Any] = {f":{n}": v for n, v in changes.items() if v is not None}
    condition = "attribute_exists(pk)"
    if expect_status is not None:
        condition += " AND #status = :expected"
        names["#status"] = "status"
        values[":expected"] = expect_status
    try:
        dynamo.update(_table(), f"ACCT#{int(account_id)}", "ACCT", expression, names=names, values=values or None,
                      condition=condition, return_values="NONE")
    except Exception as exc:
        if dynamo.is_condition_failure(exc):
            return False
        raise
    return True


def delete(item: Account) -> bool:
    try:
        with common.transaction() as tx:
            tx.delete(item, condition=Account.pk.exists())
            for group_id in sorted(item.group_ids or ())[:90]:
                tx.delete(GroupMember(f"GROUP#{int(group_id)}", f"MEMBER#{item.id}", account_id=item.id))
    except TransactWriteError as exc:
        if common.condition_failed(exc):
            return False
        raise
    return True


# --- groups -----------------------------------------------------------------------------------------------------

def _name(name: str) -> tuple[str, str]:
    return f"GROUPNAME#{name.strip().lower()}", "UNIQUE"


def new_group(group_id: int, **fields: Any) -> AccountGroup:
    return AccountGroup(f"GROUP#{group_id}", "GROUP", id=group_id, kind="GROUP", kind_order=order(group_id),
                        **fields)


def create_group(item: AccountGroup) -> None:
    try:
        with common.transaction() as tx:
            tx.save(item, condition=AccountGroup.pk.does_not_exist())
            tx.save(Unique(*_name(item.name), owner_id=item.id), condition=Unique.pk.does_not_exist())
    except TransactWriteError as exc:
        if common.condition_failed(exc):
            raise Taken() from None
        raise


def get_group(group_id: int) -> AccountGroup | None:
    return common.get_or_none(AccountGroup, f"GROUP#{int(group_id)}", "GROUP")


def groups() -> list[AccountGroup]:
    return list(AccountGroup.by_kind.query("GROUP"))


def update_group(item: AccountGroup, changes: dict[str, Any]) -> bool:
    actions = [getattr(AccountGroup, name).set(value) for name, value in changes.items()]
    renamed = "name" in changes and changes["name"].strip().lower() != item.name.strip().lower()
    try:
        with common.transaction() as tx:
            tx.update(item, actions=actions, condition=AccountGroup.pk.exists())
            if renamed:
                tx.save(Unique(*_name(changes["name"]), owner_id=item.id), condition=Unique.pk.does_not_exist())
                tx.delete(Unique(*_name(item.name), owner_id=item.id))
    except TransactWriteError as exc:
        if not common.condition_failed(exc):
            raise
        if 0 in common.failed_actions(exc):
            return False
        raise Taken() from None
    return True


def members(group_id: int) -> list[int]:
    return [m.account_id for m in GroupMember.query(f"GROUP#{int(group_id)}", GroupMember.sk.startswith("MEMBER#"),
                                                    consistent_read=True)]


def delete_group(item: AccountGroup) -> bool:
    member_ids = members(item.id)
    try:
        with common.transaction() as tx:
            tx.delete(item, condition=AccountGroup.pk.exists())
            tx.delete(Unique(*_name(item.name), owner_id=item.id))
            for account_id in member_ids[:45]:
                tx.delete(GroupMember(f"GROUP#{item.id}", f"MEMBER#{account_id}", account_id=account_id))
                tx.update(Account(f"ACCT#{account_id}", "ACCT"), actions=[Account.group_ids.delete({item.id})],
                          condition=Account.pk.exists())
    except TransactWriteError as exc:
        if common.condition_failed(exc):
            return False
        raise
    return True


def add_member(group_id: int, account_id: int, now: float) -> bool:
    try:
        with common.transaction() as tx:
            tx.condition_check(AccountGroup, f"GROUP#{group_id}", "GROUP", condition=AccountGroup.pk.exists())
            tx.save(GroupMember(f"GROUP#{group_id}", f"MEMBER#{account_id}", account_id=account_id, added_at=now))
            tx.update(Account(f"ACCT#{account_id}", "ACCT"), actions=[Account.group_ids.add({group_id})],
                      condition=Account.pk.exists())
    except TransactWriteError as exc:
        if common.condition_failed(exc):
            return False
        raise
    return True


def remove_member(group_id: int, account_id: int) -> bool:
    try:
        with common.transaction() as tx:
            tx.delete(GroupMember(f"GROUP#{group_id}", f"MEMBER#{account_id}", account_id=account_id),
                      condition=GroupMember.pk.exists())
            tx.update(Account(f"ACCT#{account_id}", "ACCT"), actions=[Account.group_ids.delete({group_id})],
                      condition=Account.pk.exists())
    except TransactWriteError as exc:
        if common.condition_failed(exc):
            return False
        raise
    return True
