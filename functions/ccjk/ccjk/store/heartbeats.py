"""The cloud-control daemon's heartbeat on the device item (`heartbeat_status`, `last_heartbeat_at`): written when
the status changes, else at most once per HEARTBEAT_WRITE_SECONDS (a heartbeat comes every 30 s)."""

from __future__ import annotations

from ccjk.store.common import table
from ccjk.store.devices import DEVICE_SK, device_pk
from suite import dynamo
from suite.dynamo import expression_values


def record(device_id: str, status: str, now_iso: str, stale_before_iso: str) -> None:
    try:
        dynamo.client().update_item(
            TableName=table(), Key=dynamo.key(device_pk(device_id), DEVICE_SK),
            UpdateExpression="SET heartbeat_status = :status, last_heartbeat_at = :now, last_seen_at = :now",
            ConditionExpression="attribute_exists(pk) AND (attribute_not_exists(last_heartbeat_at) OR "
                                "heartbeat_status <> :status OR last_heartbeat_at < :stale)",
            ExpressionAttributeValues=expression_values({":status": status, ":now": now_iso,
                                                         ":stale": stale_before_iso}))
    except Exception as exc:
        if not dynamo.is_condition_failure(exc):
            raise
