"""The per-device updates feed in DeviceFeedTable: `HEAD` (seq, last_ts_ms) and `SIG#<seq>` signals.

Writers add their signals to the same `suite.dynamo.Transaction` as the change they report (`add_signals`): the
head moves from the sequence they read (a condition, so two writers cannot both take one number), each signal
gets the next sequence number and a unique millisecond, and the signal that leaves the window is deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from certctrl.store import common
from suite import dynamo

SEQ_DIGITS = 16
LAST_SK = "SIG#" + "9" * SEQ_DIGITS


def partition(device_id: int) -> str:
    return f"DEVICE#{device_id}"


def signal_sk(seq: int) -> str:
    return f"SIG#{seq:0{SEQ_DIGITS}d}"


def head(device_id: int) -> dict[str, Any]:
    """`{seq, last_ts_ms}` (zeros for a device that never had a signal)."""
    item = dynamo.get(common.feed(), partition(device_id), "HEAD") or {}
    return {"seq": int(item.get("seq", 0)), "last_ts_ms": int(item.get("last_ts_ms", 0))}


def signals_from(device_id: int, seq: int, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` signals with sequence ≥ `seq`, oldest first (consistent read)."""
    answer = dynamo.client().query(
        TableName=common.feed(), KeyConditionExpression="pk = :pk AND sk BETWEEN :from AND :to",
        ExpressionAttributeValues=dynamo.expression_values({":pk": partition(device_id), ":from": signal_sk(seq),
                                                            ":to": LAST_SK}),
        ConsistentRead=True, Limit=limit)
    return [dynamo.from_item(raw) for raw in answer.get("Items", [])]


def add_signals(tx: dynamo.Transaction, device_id: int, *, user_id: int, expected: dict[str, Any],
                signals: Sequence[dict[str, Any]], now_ms: int, retention_seconds: int, window: int) -> list[dict]:
    """Add the head move and the signals to `tx`; returns the signal items as they will be stored. `signals` are
    `{type, ref}`; the head action is the first one added (its index tells a lost race from other failures)."""
    seq, ts = int(expected["seq"]), int(expected["last_ts_ms"])
    items: list[dict[str, Any]] = []
    for signal in signals:
        seq += 1
        ts = max(now_ms, ts + 1)  # unique per device (so per device and type): the agent de-duplicates on type:ts_ms
        item = {"pk": partition(device_id), "sk": signal_sk(seq), "seq": seq, "ts_ms": ts, "cursor": f"{ts}-{seq}",
                "type": signal["type"], "ref": signal.get("ref") or {}, "device_id": device_id, "user_id": user_id,
                "expires_at": ts // 1000 + retention_seconds}
        if signal.get("live_until_ms"):  # a time-bounded command (acme.*): polls skip it once it is over
            item["live_until_ms"] = int(signal["live_until_ms"])
        items.append(item)
    condition = "attribute_not_exists(pk)" if expected["seq"] == 0 else "#seq = :expected"
    values: dict[str, Any] = {":seq": seq, ":ts": ts}
    if expected["seq"]:
        values[":expected"] = int(expected["seq"])
    tx.update(common.feed(), partition(device_id), "HEAD", "SET #seq = :seq, last_ts_ms = :ts",
              condition=condition, names={"#seq": "seq"}, values=values)
    for item in items:
        tx.put(common.feed(), item)
        leaving = item["seq"] - window
        if 1 <= leaving <= int(expected["seq"]):  # (never one of the signals this transaction writes)
            tx.delete(common.feed(), partition(device_id), signal_sk(leaving))
    return items


def transaction() -> dynamo.Transaction:
    """A new all-or-nothing write for a change and its signals (logic.feed.emit)."""
    return dynamo.Transaction()


def commit(tx: dynamo.Transaction) -> bool:
    """Commit; False (nothing written) when a condition failed: the caller reads again and retries."""
    return tx.commit_if_conditions_hold()


def new_signal(record: dict[str, Any]) -> dict[str, Any] | None:
    """The signal a DeviceFeedTable stream record inserted (None for heads, removals and trims)."""
    if record.get("eventName") != "INSERT":
        return None
    image = dynamo.from_item((record.get("dynamodb") or {}).get("NewImage")) or {}
    return image if str(image.get("sk", "")).startswith("SIG#") else None


def delete_all(device_id: int) -> None:
    keys = [(item["pk"], item["sk"]) for item in dynamo.query_partition(common.feed(), partition(device_id))]
    dynamo.batch_delete(common.feed(), keys)
