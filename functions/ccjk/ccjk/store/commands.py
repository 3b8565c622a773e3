"""Cloud control (issue 18): command cards and the commands their buttons make, in the device's partition.

| item             | pk                    | sk                 | notes                                              |
|------------------|-----------------------|--------------------|----------------------------------------------------|
| card             | `DEVICE#<deviceId>`   | `CARD#<cardId>`    | the template: a click names only card + action     |
| card pointer     | `CARDREF#<cardId>`    | `REF`              | a Feishu click carries no device                   |
| command          | `DEVICE#<deviceId>`   | `CMD#<commandId>`  | queued → sent → completed / failed                 |
| queued marker    | `DEVICE#<deviceId>`   | `CMDQ#<commandId>` | a copy; deleting it hands the command out, once    |

A device reads only its own partition, so it can never see or report another device's commands. Cards expire with
the reply window, commands after COMMAND_RETENTION (TTL `expires_at`).
"""

from __future__ import annotations

import json
from typing import Any

from ccjk.store.common import WriteConflict, table, transact
from ccjk.store.devices import device_pk
from suite import dynamo
from suite.dynamo import expression_values

CARD_PREFIX, COMMAND_PREFIX, QUEUED_PREFIX = "CARD#", "CMD#", "CMDQ#"


class Duplicate(Exception):
    """The platform event that makes this command was handled before."""


def card_actions(*, device_id: str, card_id: str, template: dict[str, Any], channel: str, notification_id: str,
                 created_at: str, expires_at: int) -> list[dict[str, Any]]:
    """The transaction actions that store a card (with the notification that shows it)."""
    return [
        {"Put": {"TableName": table(), "ConditionExpression": "attribute_not_exists(pk)",
                 "Item": dynamo.to_item({"pk": device_pk(device_id), "sk": CARD_PREFIX + card_id, "card_id": card_id,
                                         "template": json.dumps(template, ensure_ascii=False), "channel": channel,
                                         "notification_id": notification_id, "created_at": created_at,
                                         "expires_at": expires_at})}},
        {"Put": {"TableName": table(), "ConditionExpression": "attribute_not_exists(pk)",
                 "Item": dynamo.to_item({"pk": f"CARDREF#{card_id}", "sk": "REF", "device_id": device_id,
                                         "expires_at": expires_at})}},
    ]


def card(card_id: str, now: int) -> tuple[str, dict[str, Any]] | None:
    """(device id, template) of a card still open."""
    pointer = dynamo.get(table(), f"CARDREF#{card_id}", "REF")
    if not pointer or int(pointer["expires_at"]) <= now:
        return None
    found = dynamo.get(table(), device_pk(pointer["device_id"]), CARD_PREFIX + card_id)
    if not found or int(found["expires_at"]) <= now:
        return None
    return str(pointer["device_id"]), json.loads(found["template"])


def _command_values(command: dict[str, Any]) -> dict[str, Any]:
    return {"command_id": command["id"], "command": json.dumps(command, ensure_ascii=False)}


def create(device_id: str, command: dict[str, Any], *, created_at: str, expires_at: int, event_key: str | None,
           now: int) -> None:
    """A queued command (and its queued marker); with `event_key`, only once per platform event."""
    pk = device_pk(device_id)
    base = {**_command_values(command), "created_at": created_at, "expires_at": expires_at}
    actions: list[dict[str, Any]] = [
        {"Put": {"TableName": table(), "ConditionExpression": "attribute_not_exists(pk)",
                 "Item": dynamo.to_item({"pk": pk, "sk": COMMAND_PREFIX + command["id"], **base,
                                         "status": "queued"})}},
        {"Put": {"TableName": table(), "Item": dynamo.to_item({"pk": pk, "sk": QUEUED_PREFIX + command["id"],
                                                               **base})}},
    ]
    if event_key:
        actions.append({"Put": {"TableName": table(), "ConditionExpression": "attribute_not_exists(pk)",
                                "Item": dynamo.to_item({"pk": f"CALLBACK#{event_key}", "sk": "SEEN",
                                                        "expires_at": now + 86_400})}})
    try:
        transact(actions)
    except WriteConflict as conflict:
        if event_key and len(conflict.reasons) == 3 and conflict.reasons[2] == "ConditionalCheckFailed":
            raise Duplicate() from None
        raise


def hand_out(device_id: str, *, now_iso: str, limit: int = 10) -> list[dict[str, Any]]:
    """The device's queued commands, oldest first, each handed out once (its marker deleted and the command marked
    sent in one transaction: a second heartbeat or pull never gets it again)."""
    pk = device_pk(device_id)
    answer = dynamo.client().query(
        TableName=table(), ConsistentRead=True, Limit=limit,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues=expression_values({":pk": pk, ":prefix": QUEUED_PREFIX}))
    handed: list[dict[str, Any]] = []
    for raw in answer.get("Items", []):
        values = dynamo.from_item(raw) or {}
        command_id = values["command_id"]
        try:
            transact([
                {"Delete": {"TableName": table(), "Key": dynamo.key(pk, QUEUED_PREFIX + command_id),
                            "ConditionExpression": "attribute_exists(pk)"}},
                {"Update": {"TableName": table(), "Key": dynamo.key(pk, COMMAND_PREFIX + command_id),
                            "UpdateExpression": "SET #status = :sent, sent_at = :at",
                            "ConditionExpression": "#status = :queued",
                            "ExpressionAttributeNames": {"#status": "status"},
                            "ExpressionAttributeValues": expression_values({":sent": "sent", ":queued": "queued",
                                                                            ":at": now_iso})}},
            ])
        except WriteConflict:
            continue  # handed out by a concurrent request
        handed.append(json.loads(values["command"]))
    return handed


def get(device_id: str, command_id: str) -> dict[str, Any] | None:
    """A command of this device (with its `status`), or None."""
    found = dynamo.get(table(), device_pk(device_id), COMMAND_PREFIX + command_id)
    if not found:
        return None
    return {**json.loads(found["command"]), "status": found["status"]}


def record_result(device_id: str, command_id: str, *, status: str, result: dict[str, Any], at: str) -> bool:
    """The daemon's result, once: False when the command was not handed out (or already has a result)."""
    try:
        dynamo.client().update_item(
            TableName=table(), Key=dynamo.key(device_pk(device_id), COMMAND_PREFIX + command_id),
            UpdateExpression="SET #status = :status, #result = :result, completed_at = :at",
            ConditionExpression="attribute_exists(pk) AND #status IN (:sent, :queued)",
            ExpressionAttributeNames={"#status": "status", "#result": "result"},
            ExpressionAttributeValues=expression_values({":status": status, ":sent": "sent", ":queued": "queued",
                                                         ":at": at,
                                                         ":result": json.dumps(result, ensure_ascii=False)}))
    except Exception as exc:
        if dynamo.is_condition_failure(exc):
            return False
        raise
    return True
