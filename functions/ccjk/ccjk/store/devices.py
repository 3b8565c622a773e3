"""Devices and their tokens. A token is found through its own item (`TOKEN#<digest>`), written in the same
transaction as the device, so a new token works at once and a replaced one stops at once (a GSI would lag)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ccjk.models.entities import Channel, Device
from ccjk.store.common import WriteConflict, table, transact
from suite import dynamo
from suite.dynamo import expression_values

DEVICE_SK = "DEVICE"
TOKEN_SK = "TOKEN"  # noqa: S105 (a sort key, not a secret)


def device_pk(device_id: str) -> str:
    return f"DEVICE#{device_id}"


def token_pk(digest: str) -> str:
    return f"TOKEN#{digest}"


def user_devices_pk(user_id: str) -> str:
    return f"USER#{user_id}#DEVICES"


# ------------------------------------------------------------------------------------------------ mapping

def _to_item(device: Device) -> dict[str, Any]:
    values = {
        "pk": device_pk(device.device_id),
        "sk": DEVICE_SK,
        "device_id": device.device_id,
        "name": device.name,
        "type": device.type,
        "platform": device.platform,
        "hostname": device.hostname,
        "version": device.version,
        "token_digest": device.token_digest,
        "user_id": device.user_id,
        "created_at": device.created_at,
        "last_seen_at": device.last_seen_at,
        "channels": {provider: asdict(channel) for provider, channel in device.channels.items()},
        "channels_version": device.channels_version,
        "os_version": device.os_version,
        "arch": device.arch,
        "machine_id": device.machine_id,
        "heartbeat_status": device.heartbeat_status,
        "last_heartbeat_at": device.last_heartbeat_at,
    }
    if device.user_id:
        values["gsi1pk"] = user_devices_pk(device.user_id)
        values["gsi1sk"] = f"{device.created_at}#{device.device_id}"
    return dynamo.to_item(values)


def _from_item(values: dict[str, Any]) -> Device:
    channels = {
        provider: Channel(**{k: v for k, v in raw.items() if k in Channel.__dataclass_fields__})
        for provider, raw in (values.get("channels") or {}).items()
    }
    return Device(
        device_id=values["device_id"],
        name=values["name"],
        token_digest=values["token_digest"],
        created_at=values["created_at"],
        last_seen_at=values.get("last_seen_at") or values["created_at"],
        type=values.get("type"),
        platform=values.get("platform"),
        hostname=values.get("hostname"),
        version=values.get("version"),
        user_id=values.get("user_id"),
        channels=channels,
        channels_version=int(values.get("channels_version") or 0),
        os_version=values.get("os_version"),
        arch=values.get("arch"),
        machine_id=values.get("machine_id"),
        heartbeat_status=values.get("heartbeat_status"),
        last_heartbeat_at=values.get("last_heartbeat_at"),
    )


def _token_put(digest: str, device_id: str) -> dict[str, Any]:
    return {"Put": {
        "TableName": table(),
        "Item": dynamo.to_item({"pk": token_pk(digest), "sk": TOKEN_SK, "device_id": device_id}),
        "ConditionExpression": "attribute_not_exists(pk)",
    }}


def _token_delete(digest: str) -> dict[str, Any]:
    return {"Delete": {"TableName": table(), "Key": dynamo.key(token_pk(digest), TOKEN_SK)}}


# ------------------------------------------------------------------------------------------------ reads

def get(device_id: str) -> Device | None:
    values = dynamo.get(table(), device_pk(device_id), DEVICE_SK)
    return _from_item(values) if values else None


def for_token_digest(digest: str) -> Device | None:
    """The device a token belongs to, or None. The device's own digest must agree (belt and braces)."""
    pointer = dynamo.get(table(), token_pk(digest), TOKEN_SK)
    if not pointer:
        return None
    device = get(pointer["device_id"])
    if device is None or device.token_digest != digest:
        return None
    return device


def get_many(device_ids: list[str]) -> dict[str, Device]:
    """BatchGetItem (consistent) for up to a hundred ids; unknown ids are simply absent from the answer."""
    found: dict[str, Device] = {}
    keys = [dynamo.key(device_pk(i), DEVICE_SK) for i in dict.fromkeys(device_ids)]
    for start in range(0, len(keys), 100):
        request: dict[str, Any] = {table(): {"Keys": keys[start:start + 100], "ConsistentRead": True}}
        while request:
            answer = dynamo.client().batch_get_item(RequestItems=request)
            for item in answer.get("Responses", {}).get(table(), []):
                device = _from_item(dynamo.from_item(item))
                found[device.device_id] = device
            request = answer.get("UnprocessedKeys") or {}
    return found


def list_for_user(user_id: str, offset: int, limit: int) -> tuple[list[Device], int]:
    """A user's devices, oldest first (gsi1 is eventually consistent: a device bound a moment ago may lag)."""
    request = {
        "IndexName": "gsi1",
        "KeyConditionExpression": "gsi1pk = :pk",
        "ExpressionAttributeValues": expression_values({":pk": user_devices_pk(user_id)}),
    }
    total = dynamo.count(table(), **request)
    page = dynamo.query_page(table(), offset, limit, **request)
    # The index projects keys only: read the devices themselves (consistently) by key.
    devices = get_many([values["pk"].removeprefix("DEVICE#") for values in page])
    ordered = [devices[v["pk"].removeprefix("DEVICE#")] for v in page if v["pk"].removeprefix("DEVICE#") in devices]
    return ordered, total


# ------------------------------------------------------------------------------------------------ writes

def create(device: Device, *, bind_code_update: dict[str, Any] | None = None) -> None:
    """The device and its token item together, optionally with the bind code that claims it (one transaction)."""
    actions = [
        {"Put": {"TableName": table(), "Item": _to_item(device),
                 "ConditionExpression": "attribute_not_exists(pk)"}},
        _token_put(device.token_digest, device.device_id),
    ]
    if bind_code_update:
        actions.append(bind_code_update)
    transact(actions)


def rotate_token(device: Device, new_digest: str, *, bind_to_user: str | None = None,
                 bind_code_update: dict[str, Any] | None = None) -> None:
    """Swap the token: the old token item goes, the new one comes, the device records the new digest, all at once
    and only if nobody rotated it in between. Optionally binds the device to a user in the same transaction."""
    names = {"#digest": "token_digest"}
    update = "SET #digest = :new"
    attr_values: dict[str, Any] = {":new": new_digest, ":old": device.token_digest}
    if bind_to_user:
        update += ", user_id = :user, gsi1pk = :gpk, gsi1sk = :gsk"
        attr_values.update({":user": bind_to_user, ":gpk": user_devices_pk(bind_to_user),
                            ":gsk": f"{device.created_at}#{device.device_id}"})
    actions = [
        {"Update": {
            "TableName": table(),
            "Key": dynamo.key(device_pk(device.device_id), DEVICE_SK),
            "UpdateExpression": update,
            "ConditionExpression": "#digest = :old",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": expression_values(attr_values),
        }},
        _token_delete(device.token_digest),
        _token_put(new_digest, device.device_id),
    ]
    if bind_code_update:
        actions.append(bind_code_update)
    transact(actions)


def update_profile(device_id: str, fields: dict[str, Any], last_seen_at: str) -> None:
    present = {k: v for k, v in fields.items() if v is not None}
    names = {f"#{k}": k for k in present} | {"#seen": "last_seen_at"}
    sets = [f"#{k} = :{k}" for k in present] + ["#seen = :seen"]
    dynamo.client().update_item(
        TableName=table(),
        Key=dynamo.key(device_pk(device_id), DEVICE_SK),
        UpdateExpression="SET " + ", ".join(sets),
        ConditionExpression="attribute_exists(pk)",
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=expression_values({f":{k}": v for k, v in present.items()} | {":seen": last_seen_at}),
    )


def save_channels(device_id: str, channels: dict[str, Channel], expected_version: int) -> None:
    """Replace the channel set if nobody changed it since we read version `expected_version`."""
    try:
        dynamo.client().update_item(
            TableName=table(),
            Key=dynamo.key(device_pk(device_id), DEVICE_SK),
            UpdateExpression="SET channels = :channels, channels_version = :next",
            ConditionExpression="attribute_exists(pk) AND (attribute_not_exists(channels_version) OR "
                                "channels_version = :expected)",
            ExpressionAttributeValues={
                ":channels": dynamo.to_value({p: asdict(c) for p, c in channels.items()}),
                ":next": dynamo.to_value(expected_version + 1),
                ":expected": dynamo.to_value(expected_version),
            },
        )
    except Exception as exc:
        if dynamo.is_condition_failure(exc):
            raise WriteConflict() from None
        raise


def touch(device_id: str, now_iso: str, stale_before_iso: str) -> None:
    """Record activity, at most one write per device per minute (skipped while the last one is recent)."""
    try:
        dynamo.client().update_item(
            TableName=table(),
            Key=dynamo.key(device_pk(device_id), DEVICE_SK),
            UpdateExpression="SET last_seen_at = :now",
            ConditionExpression="attribute_exists(pk) AND last_seen_at < :stale",
            ExpressionAttributeValues=expression_values({":now": now_iso, ":stale": stale_before_iso}),
        )
    except Exception as exc:
        if not dynamo.is_condition_failure(exc):
            raise


def delete(device: Device) -> None:
    """The device and its token item. Its notifications expire by TTL."""
    transact([
        {"Delete": {"TableName": table(), "Key": dynamo.key(device_pk(device.device_id), DEVICE_SK),
                    "ConditionExpression": "token_digest = :digest",
                    "ExpressionAttributeValues": expression_values({":digest": device.token_digest})}},
        _token_delete(device.token_digest),
    ])
