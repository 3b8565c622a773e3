"""Devices (`DEVICE#<uuid>` / `PROFILE`) and their unique namespaces (`NAMESPACE#<name>`).

A device and its namespace are written in one transaction, each with attribute_not_exists, so two
registrations can never share a uuid or a namespace. Password changes are conditional on the hash the
caller verified, so two concurrent changes cannot both win.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from classworks import config
from classworks.store import counters
from suite import dynamo

PROFILE = "PROFILE"


class DeviceExists(Exception):
    pass


class NamespaceTaken(Exception):
    pass


class DeviceChanged(Exception):
    """The device changed (or vanished) between our read and our conditional write."""


def device_pk(uuid: str) -> str:
    return f"DEVICE#{uuid}"


def next_id() -> int:
    return counters.next_value("DEVICE")


def get(uuid: str) -> dict[str, Any] | None:
    return dynamo.get(config.table(), device_pk(uuid), PROFILE)


def names(uuids: Iterable[str]) -> dict[str, str | None]:
    """Device names by uuid (one BatchGetItem per 100 devices); unknown devices are absent."""
    found = dynamo.batch_get(config.table(), [(device_pk(u), PROFILE) for u in uuids])
    return {item["uuid"]: item.get("name") for item in found.values()}


def uuid_for_namespace(namespace: str) -> str | None:
    item = dynamo.get(config.table(), f"NAMESPACE#{namespace}", "NAMESPACE")
    return item["uuid"] if item else None


def create(device: Mapping[str, Any]) -> None:
    """Insert a new device and claim its namespace, both or neither."""
    table = config.table()
    transaction = dynamo.Transaction()
    transaction.put(table, {"pk": device_pk(device["uuid"]), "sk": PROFILE, **device},
                    condition="attribute_not_exists(pk)")
    transaction.put(table, {"pk": f"NAMESPACE#{device['namespace']}", "sk": "NAMESPACE", "uuid": device["uuid"]},
                    condition="attribute_not_exists(pk)")
    try:
        transaction.commit()
    except Exception as exc:
        reasons = dynamo.cancellation_reasons(exc)
        if reasons and reasons[0] == "ConditionalCheckFailed":
            raise DeviceExists(device["uuid"]) from None
        if len(reasons) > 1 and reasons[1] == "ConditionalCheckFailed":
            raise NamespaceTaken(device["namespace"]) from None
        raise


def _update(uuid: str, expression: str, condition: str, names: dict[str, str] | None = None,
            **named_values: Any) -> dict[str, Any]:
    try:
        return dynamo.update(config.table(), device_pk(uuid), PROFILE, expression, condition=condition, names=names,
                             values={f":{name}": value for name, value in named_values.items()}) or {}
    except Exception as exc:
        if dynamo.is_condition_failure(exc):
            raise DeviceChanged(uuid) from None
        raise


def rename(uuid: str, name: str, now: str) -> dict[str, Any]:
    return _update(uuid, "SET #name = :name, updatedAt = :now", "attribute_exists(pk)", {"#name": "name"},
                   name=name, now=now)


def _password_condition(expected_hash: str | None) -> tuple[str, dict[str, Any]]:
    if expected_hash is None:
        return "attribute_exists(pk) AND attribute_not_exists(passwordHash)", {}
    return "passwordHash = :expected", {"expected": expected_hash}


def set_password(uuid: str, password_hash: str, hint: str | None, now: str, *,
                 expected_hash: str | None) -> dict[str, Any]:
    """Store a new hash, only if the stored one is still `expected_hash` (None: no password yet)."""
    condition, extra = _password_condition(expected_hash)
    return _update(uuid, "SET passwordHash = :hash, passwordHint = :hint, updatedAt = :now", condition,
                   hash=password_hash, hint=hint, now=now, **extra)


def clear_password(uuid: str, now: str, *, expected_hash: str) -> dict[str, Any]:
    condition, extra = _password_condition(expected_hash)
    return _update(uuid, "SET updatedAt = :now REMOVE passwordHash, passwordHint", condition, now=now, **extra)


def set_auth_configs(uuid: str, configs: list[dict[str, Any]], now: str, *,
                     expected: list[dict[str, Any]]) -> dict[str, Any]:
    """Replace the auth configs, only if they are still `expected` (what the caller read)."""
    return _update(uuid, "SET authConfigs = :configs, updatedAt = :now", "authConfigs = :expected",
                   configs=configs, now=now, expected=expected)
