"""App installs: one item per app token, stored twice in one transaction.

- `DEVICE#<uuid>` / `INSTALL#<installId>`: the device's view (listing its apps), holding the sealed token.
- `TOKEN#<sha256 of the token>` / `TOKEN`: the same record found by the token's digest, without the sealed
  token. Every KV request authenticates with one strongly consistent GetItem on it, and deleting it (with
  the install, in the same transaction) revokes the token at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from classworks import config
from classworks.store.devices import device_pk
from suite import dynamo

SNAPSHOT_FIELDS = ("version", "permissionPrefix", "specialPermissions", "permissionKey", "updatedAt")
BY_APP_INDEX = "byApp"


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
    return dynamo.get(config.table(), token_pk(digest), "TOKEN")


def by_token_digests(digests: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The current token records by digest (revoked tokens are absent)."""
    found = dynamo.batch_get(config.table(), [(token_pk(d), "TOKEN") for d in digests])
    return {item["tokenDigest"]: item for item in found.values()}


def get(uuid: str, install_id: str) -> dict[str, Any] | None:
    return dynamo.get(config.table(), device_pk(uuid), install_sk(install_id))


def for_device(uuid: str) -> list[dict[str, Any]]:
    return list(dynamo.query_partition(config.table(), device_pk(uuid), prefix="INSTALL#"))


def count_for_device(uuid: str) -> int:
    return dynamo.count(config.table(), KeyConditionExpression="pk = :pk AND begins_with(sk, :install)",
                        ExpressionAttributeValues=dynamo.expression_values({":pk": device_pk(uuid),
                                                                            ":install": "INSTALL#"}))


def _by_app_keys(install: Mapping[str, Any]) -> dict[str, str]:
    """The `byApp` index keys (device copy only, so each install is listed once): newest first per app."""
    return {"byAppPk": f"APP#{install['appId']}",
            "byAppSk": f"{install['installedAt']}#{install['deviceUuid']}#{install['installId']}"}


def create(install: Mapping[str, Any]) -> None:
    """Insert the install and its token record; InstallExists if that install id is taken."""
    table = config.table()
    transaction = dynamo.Transaction()
    transaction.put(table, {"pk": device_pk(install["deviceUuid"]), "sk": install_sk(install["installId"]),
                            **install, **_by_app_keys(install)}, condition="attribute_not_exists(pk)")
    transaction.put(table, {"pk": token_pk(install["tokenDigest"]), "sk": "TOKEN", **_token_record(install)},
                    condition="attribute_not_exists(pk)")
    try:
        transaction.commit()
    except Exception as exc:
        reasons = dynamo.cancellation_reasons(exc)
        if reasons and reasons[0] == "ConditionalCheckFailed":
            raise InstallExists(install["installId"]) from None
        raise


def _by_app_query(app_id: int) -> dict[str, Any]:
    return {"IndexName": BY_APP_INDEX, "KeyConditionExpression": "byAppPk = :app",
            "ExpressionAttributeValues": dynamo.expression_values({":app": f"APP#{app_id}"}),
            "ScanIndexForward": False}


def for_app(app_id: int, offset: int, limit: int) -> list[dict[str, Any]]:
    """One page of an app's installs on every device, newest first (the index projects no tokens)."""
    return dynamo.query_page(config.table(), offset, limit, **_by_app_query(app_id))


def count_for_app(app_id: int) -> int:
    return dynamo.count(config.table(), **_by_app_query(app_id))


def update_snapshot(install: Mapping[str, Any], snapshot: Mapping[str, Any]) -> None:
    """Refresh the app version and permissions an install carries (both copies, or neither)."""
    fields = [f for f in SNAPSHOT_FIELDS if f in snapshot]
    _update_both_copies(install, "SET " + ", ".join(f"#{f} = :{f}" for f in fields),
                        names={f"#{f}": f for f in fields}, values={f":{f}": snapshot[f] for f in fields})


def delete(installs: Iterable[Mapping[str, Any]]) -> None:
    """Remove installs and their token records; each install goes with its token record atomically."""
    table = config.table()
    pairs = list(installs)
    per_call = dynamo.MAX_TRANSACTION_ITEMS // 2
    for start in range(0, len(pairs), per_call):
        transaction = dynamo.Transaction()
        for install in pairs[start:start + per_call]:
            transaction.delete(table, device_pk(install["deviceUuid"]), install_sk(install["installId"]))
            transaction.delete(table, token_pk(install["tokenDigest"]), "TOKEN")
        transaction.commit()


def set_note(install: Mapping[str, Any], note: str | None, now: str) -> None:
    """Label a token (both copies, or neither)."""
    _update_both_copies(install, "SET note = :note, updatedAt = :now", values={":note": note, ":now": now})


def _update_both_copies(install: Mapping[str, Any], expression: str, *, values: Mapping[str, Any],
                        names: Mapping[str, str] | None = None) -> None:
    """Apply one update to an install and to its token record, both or neither; InstallMissing when either is
    gone (uninstalled meanwhile)."""
    table = config.table()
    transaction = dynamo.Transaction()
    for pk, sk in ((device_pk(install["deviceUuid"]), install_sk(install["installId"])),
                   (token_pk(install["tokenDigest"]), "TOKEN")):
        transaction.update(table, pk, sk, expression, condition="attribute_exists(pk)", names=names, values=values)
    try:
        transaction.commit()
    except Exception as exc:
        if dynamo.is_condition_failure(exc):
            raise InstallMissing(install["installId"]) from None
        raise
