"""App installs: one item per app token, stored twice in one transaction.

- `DEVICE#<uuid>` / `INSTALL#<installId>`: the device's view (listing its apps), holding the sealed token.
- `TOKEN#<sha256 of the token>` / `TOKEN`: the same record found by the token's digest, without the sealed
  token. Every KV request authenticates with one strongly consistent GetItem on it, and deleting it (with
  the install, in the same transaction) revokes the token at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from classworks.store import dynamo
from classworks.store.devices import device_pk
from suite import dynamo as plumbing

SNAPSHOT_FIELDS = ("version", "permissionPrefix", "specialPermissions", "permissionKey", "updatedAt")


class InstallExists(Exception):
    pass


class InstallMissing(Exception):
    pass


def install_sk(install_id: str) -> str:
    return f"INSTALL#{install_id}"


def token_pk(digest: str) -> str:
    return f"TOKEN#{digest}"


def _token_record(install: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in install.items() if k != "tokenSealed"}


def by_token_digest(digest: str) -> dict[str, Any] | None:
    return dynamo.get(token_pk(digest), "TOKEN")


def get(uuid: str, install_id: str) -> dict[str, Any] | None:
    return dynamo.get(device_pk(uuid), install_sk(install_id))


def for_device(uuid: str) -> list[dict[str, Any]]:
    return dynamo.query_all(
        TableName=dynamo.main_table(), ConsistentRead=True,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :install)",
        ExpressionAttributeValues=dynamo.values(pk=device_pk(uuid), install="INSTALL#"))


def count_for_device(uuid: str) -> int:
    ddb = dynamo.client()
    request: dict[str, Any] = {
        "TableName": dynamo.main_table(), "Select": "COUNT",
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :install)",
        "ExpressionAttributeValues": dynamo.values(pk=device_pk(uuid), install="INSTALL#"),
    }
    total = 0
    while True:
        page = ddb.query(**request)
        total += page["Count"]
        if "LastEvaluatedKey" not in page:
            return total
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def create(install: Mapping[str, Any]) -> None:
    """Insert the install and its token record; InstallExists if that install id is taken."""
    table = dynamo.main_table()
    device_item = {"pk": device_pk(install["deviceUuid"]), "sk": install_sk(install["installId"]), **install,
                   **_by_app_keys(install)}
    token_item = {"pk": token_pk(install["tokenDigest"]), "sk": "TOKEN", **_token_record(install)}
    try:
        dynamo.transact([
            {"Put": {"TableName": table, "Item": dynamo.to_item(device_item),
                     "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Put": {"TableName": table, "Item": dynamo.to_item(token_item),
                     "ConditionExpression": "attribute_not_exists(pk)"}},
        ])
    except dynamo.TransactionCancelled as exc:
        if exc.reasons and exc.reasons[0] == "ConditionalCheckFailed":
            raise InstallExists(install["installId"]) from None
        raise


BY_APP_INDEX = "byApp"


def _by_app_keys(install: Mapping[str, Any]) -> dict[str, str]:
    """The `byApp` index keys (device copy only, so each install is listed once): newest first per app."""
    return {"byAppPk": f"APP#{install['appId']}",
            "byAppSk": f"{install['installedAt']}#{install['deviceUuid']}#{install['installId']}"}


def _by_app_query(app_id: int) -> dict[str, Any]:
    return {"IndexName": BY_APP_INDEX, "KeyConditionExpression": "byAppPk = :app",
            "ExpressionAttributeValues": dynamo.values(app=f"APP#{app_id}"), "ScanIndexForward": False}


def for_app(app_id: int, offset: int, limit: int) -> list[dict[str, Any]]:
    """One page of an app's installs on every device, newest first (the index projects no tokens)."""
    return plumbing.query_page(dynamo.main_table(), offset, limit, **_by_app_query(app_id))


def count_for_app(app_id: int) -> int:
    return plumbing.count(dynamo.main_table(), **_by_app_query(app_id))


def update_snapshot(install: Mapping[str, Any], snapshot: Mapping[str, Any]) -> None:
    """Refresh the app version and permissions an install carries (both copies, or neither)."""
    fields = [f for f in SNAPSHOT_FIELDS if f in snapshot]
    expression = "SET " + ", ".join(f"#{f} = :{f}" for f in fields)
    names = {f"#{f}": f for f in fields}
    _update_both_copies(install, {"UpdateExpression": expression, "ExpressionAttributeNames": names,
                                  "ExpressionAttributeValues": dynamo.values(**{f: snapshot[f] for f in fields})})


def delete(installs: Iterable[Mapping[str, Any]]) -> None:
    """Remove installs and their token records; each install goes with its token record atomically."""
    table = dynamo.main_table()
    operations = []
    for install in installs:
        operations.append([
            {"Delete": {"TableName": table, "Key": dynamo.key(device_pk(install["deviceUuid"]),
                                                              install_sk(install["installId"]))}},
            {"Delete": {"TableName": table, "Key": dynamo.key(token_pk(install["tokenDigest"]), "TOKEN")}},
        ])
    pairs_per_call = dynamo.MAX_TRANSACTION_ITEMS // 2
    for start in range(0, len(operations), pairs_per_call):
        dynamo.transact(op for pair in operations[start:start + pairs_per_call] for op in pair)


def set_note(install: Mapping[str, Any], note: str | None, now: str) -> None:
    """Label a token (both copies, or neither)."""
    _update_both_copies(install, {"UpdateExpression": "SET note = :note, updatedAt = :now",
                                  "ExpressionAttributeValues": dynamo.values(note=note, now=now)})


def _update_both_copies(install: Mapping[str, Any], update: dict[str, Any]) -> None:
    """Apply one update to an install and to its token record, both or neither; InstallMissing when either is
    gone (uninstalled meanwhile)."""
    table = dynamo.main_table()
    update = {**update, "ConditionExpression": "attribute_exists(pk)"}
    try:
        dynamo.transact([
            {"Update": {"TableName": table, "Key": dynamo.key(device_pk(install["deviceUuid"]),
                                                              install_sk(install["installId"])), **update}},
            {"Update": {"TableName": table, "Key": dynamo.key(token_pk(install["tokenDigest"]), "TOKEN"),
                        **update}},
        ])
    except dynamo.TransactionCancelled as exc:
        if "ConditionalCheckFailed" in exc.reasons:
            raise InstallMissing(install["installId"]) from None
        raise
