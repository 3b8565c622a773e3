"""The CLI's anonymous installs (auto-bootstrap, `/api/v1/devices/register|handshake|sync`): `INSTALL#<deviceId>`
/ `INSTALL`, kept INSTALL_RETENTION_SECONDS after the install was last heard of (TTL `expires_at`). These are the
client's random install ids (`X-Device-ID`), not the `dev_…` devices of `/device/register` and `/bind/use`."""

from __future__ import annotations

import json
from typing import Any

from ccjk.store.common import table
from suite import dynamo
from suite.dynamo import expression_values

INSTALL_SK = "INSTALL"
INSTALL_RETENTION_SECONDS = 180 * 86_400


def _pk(install_id: str) -> str:
    return f"INSTALL#{install_id}"


def register(install_id: str, profile: dict[str, Any], *, now_iso: str, now: int) -> tuple[str, bool]:
    """(registeredAt, whether it is new): the first registration wins, later ones only refresh its expiry."""
    try:
        dynamo.client().put_item(
            TableName=table(), ConditionExpression="attribute_not_exists(pk)",
            Item=dynamo.to_item({"pk": _pk(install_id), "sk": INSTALL_SK, "registered_at": now_iso,
                                 "profile": json.dumps(profile, ensure_ascii=False),
                                 "expires_at": now + INSTALL_RETENTION_SECONDS}))
    except Exception as exc:
        if not dynamo.is_condition_failure(exc):
            raise
        answer = dynamo.client().update_item(
            TableName=table(), Key=dynamo.key(_pk(install_id), INSTALL_SK),
            UpdateExpression="SET expires_at = :expires",
            ExpressionAttributeValues=expression_values({":expires": now + INSTALL_RETENTION_SECONDS}),
            ReturnValues="ALL_NEW")
        return str(answer["Attributes"]["registered_at"]["S"]), False
    return now_iso, True


def seen(install_id: str, field: str, *, now_iso: str, now: int, stats: dict[str, Any] | None = None) -> None:
    """Record a handshake or sync (`field`: last_handshake_at | last_sync_at), creating the record if needed."""
    update = "SET #field = :at, expires_at = :expires, registered_at = if_not_exists(registered_at, :at)"
    values: dict[str, Any] = {":at": now_iso, ":expires": now + INSTALL_RETENTION_SECONDS}
    if stats is not None:
        update += ", stats = :stats"
        values[":stats"] = json.dumps(stats, ensure_ascii=False)
    dynamo.client().update_item(
        TableName=table(), Key=dynamo.key(_pk(install_id), INSTALL_SK), UpdateExpression=update,
        ExpressionAttributeNames={"#field": field}, ExpressionAttributeValues=expression_values(values))
