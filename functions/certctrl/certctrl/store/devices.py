"""Devices (per user) and the claims that make a public id name one device per user."""

from __future__ import annotations

from collections.abc import Iterator

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from certctrl.models.entities import Device, DevicePublicId, RefreshToken, TokenFamily
from certctrl.store import common, device_auth, tokens
from suite import dynamo


class Taken(Exception):
    """The public id was registered by a concurrent request meanwhile."""


class CodeRejected(Exception):
    """The registration code was used (or replaced) meanwhile."""


def user_key(user_id: int) -> str:
    return f"USER#{user_id}"


def device_sk(device_id: int) -> str:
    return f"DEVICE#{device_id:012d}"


def public_sk(device_public_id: str) -> str:
    return f"DEVPUB#{device_public_id}"


def get(user_id: int, device_id: int) -> Device | None:
    try:
        return Device.get(user_key(user_id), device_sk(device_id), consistent_read=True)
    except DoesNotExist:
        return None


def id_for_public_id(user_id: int, device_public_id: str) -> int | None:
    try:
        return int(DevicePublicId.get(user_key(user_id), public_sk(device_public_id), consistent_read=True).device_id)
    except DoesNotExist:
        return None


def page(user_id: int, *, offset: int, limit: int) -> list[Device]:
    found: list[Device] = []
    query = Device.query(user_key(user_id), Device.sk.startswith("DEVICE#"), consistent_read=True)
    for index, device in enumerate(query):
        if index >= offset + limit:
            break
        if index >= offset:
            found.append(device)
    return found


def count(user_id: int) -> int:
    return dynamo.count(common.devices(), KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
                        ExpressionAttributeValues=dynamo.expression_values({":pk": user_key(user_id),
                                                                             ":prefix": "DEVICE#"}))


def all_of(user_id: int) -> Iterator[Device]:
    return Device.query(user_key(user_id), Device.sk.startswith("DEVICE#"), consistent_read=True)


def create(device: Device) -> None:
    """A new device and its public-id claim; Taken when the public id was claimed meanwhile."""
    try:
        with common.transaction() as tx:
            tx.save(DevicePublicId(device.pk, public_sk(device.device_public_id), device_id=device.id),
                    condition=DevicePublicId.pk.does_not_exist())
            tx.save(device, condition=Device.pk.does_not_exist())
    except TransactWriteError as error:
        if common.failed_conditions(error):
            raise Taken() from None
        raise


def register(device: Device, *, new: bool, previous_family: str | None, family: TokenFamily, token: RefreshToken,
             consume: tuple[object, str] | None = None) -> None:
    """One transaction: the registration code used up (when given), the device created (with its public-id claim)
    or updated (if its session is still the one read), the previous session revoked, the new one started.
    CodeRejected when the code is gone; Taken when another registration of this public id won the race."""
    try:
        with common.transaction() as tx:
            if consume is not None:
                device_auth.consume_actions(tx, *consume)
            if new:
                tx.save(DevicePublicId(device.pk, public_sk(device.device_public_id), device_id=device.id),
                        condition=DevicePublicId.pk.does_not_exist())
                tx.save(device, condition=Device.pk.does_not_exist())
            else:
                tx.save(device, condition=(Device.session_family == previous_family) if previous_family
                        else Device.session_family.does_not_exist())
                if previous_family:
                    tx.update(TokenFamily(tokens.family_key(previous_family), "RTF"),
                              actions=[TokenFamily.state.set("revoked"),
                                       TokenFamily.revoked_reason.set("device registered again")])
            tx.save(family, condition=TokenFamily.pk.does_not_exist())
            tx.save(token, condition=RefreshToken.pk.does_not_exist())
    except TransactWriteError as error:
        failed = common.failed_conditions(error)
        if consume is not None and failed and failed[0] < 2:
            raise CodeRejected() from None
        if failed:
            raise Taken() from None
        raise


def save(device: Device) -> None:
    """The whole row of an existing device (re-registration), as long as it still exists."""
    device.save(condition=Device.pk.exists())


def touch(device: Device, *, now_ms: int, agent_version: str | None = None) -> None:
    actions = [Device.last_seen_at_ms.set(now_ms)]
    if agent_version is not None:
        actions.append(Device.agent_version.set(agent_version))
    device.update(actions=actions, condition=Device.pk.exists())


def delete(device: Device) -> None:
    with common.transaction() as tx:
        tx.delete(device)
        tx.delete(DevicePublicId(device.pk, public_sk(device.device_public_id)),
                  condition=DevicePublicId.device_id == device.id)
