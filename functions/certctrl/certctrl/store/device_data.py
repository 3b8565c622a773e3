"""What belongs to one device in DevicesTable (partition `DEVICE#<id>`): its install config (`INSTALL`) and the
history of it (`INSTALL#<version>`), its config files (`FILE#<name>`), and its certificate and CA assignments
(`CERT#<id>`, `CA#<id>`). Writes that the device must hear about go through logic.feed.emit (the caller adds
them to a suite.dynamo Transaction with the helpers here)."""

from __future__ import annotations

from typing import Any

from certctrl.store import common
from suite import dynamo

HISTORY_DIGITS = 8


def partition(device_id: int) -> str:
    return f"DEVICE#{device_id}"


def history_sk(version: int) -> str:
    return f"INSTALL#{version:0{HISTORY_DIGITS}d}"


# ------------------------------------------------------------------------------------------ install config

def install_config(device_id: int) -> dict[str, Any] | None:
    return dynamo.get(common.devices(), partition(device_id), "INSTALL")


def put_install_config(tx: dynamo.Transaction, config: dict[str, Any], *, expected_version: int) -> None:
    """The new current config (its version one above `expected_version`, which must still be current)."""
    condition = "attribute_not_exists(pk)" if expected_version == 0 else "version = :expected"
    values = {":expected": expected_version} if expected_version else None
    tx.put(common.devices(), {**config, "pk": partition(config["user_device_id"]), "sk": "INSTALL"},
           condition=condition, values=values)


def put_history(tx: dynamo.Transaction, device_id: int, entry: dict[str, Any], *, keep: int) -> None:
    tx.put(common.devices(), {**entry, "pk": partition(device_id), "sk": history_sk(entry["version"])})
    if entry["version"] > keep:
        tx.delete(common.devices(), partition(device_id), history_sk(entry["version"] - keep))


def history(device_id: int, *, offset: int, limit: int) -> list[dict[str, Any]]:
    return dynamo.query_page(common.devices(), offset, limit, KeyConditionExpression="pk = :pk AND "
                             "begins_with(sk, :prefix)", ExpressionAttributeValues=dynamo.expression_values(
                                 {":pk": partition(device_id), ":prefix": "INSTALL#"}),
                             ScanIndexForward=False, ConsistentRead=True)


def history_count(device_id: int) -> int:
    return dynamo.count(common.devices(), KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
                        ExpressionAttributeValues=dynamo.expression_values({":pk": partition(device_id),
                                                                             ":prefix": "INSTALL#"}))


def history_entry(device_id: int, version: int) -> dict[str, Any] | None:
    return dynamo.get(common.devices(), partition(device_id), history_sk(version))


# ------------------------------------------------------------------------------------------- config files

def config_files(device_id: int) -> list[dict[str, Any]]:
    return list(dynamo.query_partition(common.devices(), partition(device_id), prefix="FILE#"))


def config_file(device_id: int, name: str) -> dict[str, Any] | None:
    return dynamo.get(common.devices(), partition(device_id), f"FILE#{name}")


def put_config_file(tx: dynamo.Transaction, device_id: int, item: dict[str, Any], *, expected_version: int | None,
                    must_be_new: bool = False) -> None:
    if must_be_new or expected_version is None:
        condition, values = "attribute_not_exists(pk)", None
    else:
        condition, values = "version = :expected", {":expected": expected_version}
    tx.put(common.devices(), {**item, "pk": partition(device_id), "sk": f"FILE#{item['file']}"}, condition=condition,
           values=values)


def delete_config_file(device_id: int, name: str) -> bool:
    try:
        dynamo.delete(common.devices(), partition(device_id), f"FILE#{name}", condition="attribute_exists(pk)")
    except Exception as error:
        if dynamo.is_condition_failure(error):
            return False
        raise
    return True


# -------------------------------------------------------------------------------------------- assignments

def assignments(device_id: int, kind: str) -> list[dict[str, Any]]:
    return list(dynamo.query_partition(common.devices(), partition(device_id), prefix=f"{kind}#"))


def assignment(device_id: int, kind: str, object_id: int) -> dict[str, Any] | None:
    return dynamo.get(common.devices(), partition(device_id), f"{kind}#{object_id}")


def put_assignment(tx: dynamo.Transaction, device_id: int, kind: str, item: dict[str, Any]) -> None:
    tx.put(common.devices(), {**item, "pk": partition(device_id), "sk": f"{kind}#{item['id']}"},
           condition="attribute_not_exists(pk)")


def delete_assignment(tx: dynamo.Transaction, device_id: int, kind: str, object_id: int) -> None:
    tx.delete(common.devices(), partition(device_id), f"{kind}#{object_id}", condition="attribute_exists(pk)")


# ------------------------------------------------------------------------------------------------- removal

def delete_all(device_id: int) -> None:
    keys = [(item["pk"], item["sk"]) for item in dynamo.query_partition(common.devices(), partition(device_id))]
    dynamo.batch_delete(common.devices(), keys)
