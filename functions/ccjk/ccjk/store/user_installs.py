"""A user's installs and the quota counters that bound them, kept together by transactions.

Installing writes the install item (only if it does not exist) and adds one to the user's counter of that kind
(only while it is under the tier's limit) in one transaction, so parallel installs can neither pass the limit
nor install one item twice; uninstalling deletes the item (only if it exists) and takes one off the counter.
"""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from ccjk.models.market_entities import Install
from ccjk.store.market import WriteRefused, commit, table, user_pk
from suite import dynamo


class AlreadyInstalled(Exception):
    pass


class QuotaExceeded(Exception):
    pass


class NotInstalled(Exception):
    pass


def install_sk(item_id: str) -> str:
    return f"INSTALL#{item_id}"


def quota_sk(kind: str) -> str:
    return f"QUOTA#{kind}"


def install(user_id: str, values: dict[str, Any], *, limit: int | None) -> None:
    """Write the install `values` (item_id, item_kind, ...) and count it against `limit` (None: unlimited)."""
    transaction = dynamo.Transaction()
    transaction.put(table(), {"pk": user_pk(user_id), "sk": install_sk(values["item_id"]), **values},
                    condition="attribute_not_exists(pk)")
    condition = None if limit is None else "attribute_not_exists(used) OR used < :limit"
    transaction.update(table(), user_pk(user_id), quota_sk(values["item_kind"]), "ADD used :one",
                       condition=condition, values={":one": 1, **({":limit": limit} if limit is not None else {})})
    try:
        commit(transaction)
    except WriteRefused as refused:
        if refused.failed(0):
            raise AlreadyInstalled() from None
        if refused.failed(1):
            raise QuotaExceeded() from None
        raise


def uninstall(user_id: str, item_id: str, kind: str) -> None:
    transaction = dynamo.Transaction()
    transaction.delete(table(), user_pk(user_id), install_sk(item_id), condition="attribute_exists(pk)")
    transaction.update(table(), user_pk(user_id), quota_sk(kind), "ADD used :minus", values={":minus": -1})
    try:
        commit(transaction)
    except WriteRefused as refused:
        if refused.failed(0):
            raise NotInstalled() from None
        raise


def get(user_id: str, item_id: str) -> Install | None:
    try:
        return Install.get(user_pk(user_id), install_sk(item_id), consistent_read=True)
    except DoesNotExist:
        return None


def of_user(user_id: str) -> list[Install]:
    """Every install of the user, oldest item id first (bounded by the tier's quotas)."""
    return list(Install.query(user_pk(user_id), Install.sk.startswith("INSTALL#"), consistent_read=True))


def used(user_id: str, kind: str) -> int:
    found = dynamo.get(table(), user_pk(user_id), quota_sk(kind))
    return int((found or {}).get("used", 0))


def update(entry: Install, *, enabled: bool | None, config: str | None, now_ms: int) -> Install:
    actions = [Install.updated_ms.set(now_ms)]
    if enabled is not None:
        actions.append(Install.enabled.set(enabled))
    if config is not None:
        actions.append(Install.config.set(config))
    try:
        entry.update(actions=actions, condition=Install.pk.exists())
    except UpdateError as error:
        if getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException":
            raise NotInstalled() from None
        raise
    return entry
