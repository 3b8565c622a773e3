"""Certificates, private CAs and ACME accounts of a user in CertificatesTable (pk `USER#<id>`; sk `CERT#`, `CA#`,
`ACCT#` + the id in 12 digits), and the sparse renewal and expiry indexes the sweep Queries."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from certctrl.models.entities import AcmeAccount, CaRecord, CertificateRecord
from certctrl.store import common
from suite import dynamo


class Changed(Exception):
    """A conditional write lost: the row changed (or vanished) since it was read."""


def user_key(user_id: int) -> str:
    return f"USER#{user_id}"


def certificate_sk(cert_id: int) -> str:
    return f"CERT#{cert_id:012d}"


def ca_sk(ca_id: int) -> str:
    return f"CA#{ca_id:012d}"


def account_sk(account_id: int) -> str:
    return f"ACCT#{account_id:012d}"


def _get(model: Any, pk: str, sk: str) -> Any:
    try:
        return model.get(pk, sk, consistent_read=True)
    except DoesNotExist:
        return None


def _page(model: Any, user_id: int, prefix: str, *, offset: int, limit: int,
          filters: dict[str, Any] | None = None) -> tuple[list[Any], int]:
    """One page of a user's rows of one kind (a Query of the user's partition, optionally filtered)."""
    request: dict[str, Any] = {"KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
                               "ConsistentRead": True}
    values: dict[str, Any] = {":pk": user_key(user_id), ":prefix": prefix}
    if filters:
        request["FilterExpression"] = " AND ".join(f"#{name} = :{name}" for name in filters)
        request["ExpressionAttributeNames"] = {f"#{name}": name for name in filters}
        values.update({f":{name}": value for name, value in filters.items()})
    request["ExpressionAttributeValues"] = dynamo.expression_values(values)
    items = dynamo.query_page(common.certificates(), offset, limit, **request)
    total = dynamo.count(common.certificates(), **request)
    return [model.from_raw_data(dynamo.to_item(item)) for item in items], total


def _save_new(row: Any) -> None:
    row.save(condition=type(row).pk.does_not_exist())


def _update(row: Any, actions: list[Any], condition: Any = None) -> None:
    guard = type(row).pk.exists() if condition is None else (type(row).pk.exists() & condition)
    try:
        row.update(actions=actions, condition=guard)
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            raise Changed() from None
        raise


# --------------------------------------------------------------------------------------------- certificates

def certificate(user_id: int, cert_id: int) -> CertificateRecord | None:
    return _get(CertificateRecord, user_key(user_id), certificate_sk(cert_id))


def certificates_of(user_id: int, *, offset: int, limit: int,
                    acct_id: int | None = None) -> tuple[list[CertificateRecord], int]:
    return _page(CertificateRecord, user_id, "CERT#", offset=offset, limit=limit,
                 filters={"acct_id": acct_id} if acct_id is not None else None)


def certificates_using(user_id: int, *, acct_id: int | None = None, ca_id: int | None = None) -> int:
    filters = {"acct_id": acct_id} if acct_id is not None else {"ca_id": ca_id}
    return _page(CertificateRecord, user_id, "CERT#", offset=0, limit=1, filters=filters)[1]


def create_certificate(record: CertificateRecord) -> None:
    _save_new(record)


def update_certificate(record: CertificateRecord, actions: list[Any], condition: Any = None) -> None:
    """Changed when the record is gone or `condition` no longer holds."""
    _update(record, actions, condition)


def delete_certificate(user_id: int, cert_id: int) -> None:
    dynamo.delete(common.certificates(), user_key(user_id), certificate_sk(cert_id))


def certificates_by_keys(keys: Iterable[tuple[str, str]]) -> list[CertificateRecord]:
    found = dynamo.batch_get(common.certificates(), keys)
    return [CertificateRecord.from_raw_data(dynamo.to_item(item)) for item in found.values()]


def _index_keys(index: str, shard_attribute: str, shard: str, range_attribute: str, *, upto: int,
                limit: int) -> list[tuple[str, str]]:
    request = {"IndexName": index, "KeyConditionExpression": "#shard = :shard AND #at <= :upto",
               "ExpressionAttributeNames": {"#shard": shard_attribute, "#at": range_attribute},
               "ExpressionAttributeValues": dynamo.expression_values({":shard": shard, ":upto": upto})}
    keys: list[tuple[str, str]] = []
    for item in dynamo.query(common.certificates(), **request):
        keys.append((item["pk"], item["sk"]))
        if len(keys) >= limit:
            break
    return keys


def due_for_renewal(shard: str, now: int, limit: int) -> list[tuple[str, str]]:
    """Keys of certificates whose `renew_after` has come (the sparse by_renewal index, oldest first)."""
    return _index_keys("by_renewal", "renew_shard", shard, "renew_after", upto=now, limit=limit)


def expiring(shard: str, until: int, limit: int) -> list[tuple[str, str]]:
    """Keys of issued certificates with `not_after <= until` (the sparse by_expiry index, soonest first)."""
    return _index_keys("by_expiry", "expiry_shard", shard, "not_after", upto=until, limit=limit)


# ------------------------------------------------------------------------------------------------------ CAs

def ca(user_id: int, ca_id: int) -> CaRecord | None:
    return _get(CaRecord, user_key(user_id), ca_sk(ca_id))


def cas_of(user_id: int, *, offset: int, limit: int) -> tuple[list[CaRecord], int]:
    return _page(CaRecord, user_id, "CA#", offset=offset, limit=limit)


def cas_under(user_id: int, parent_ca_id: int) -> int:
    return _page(CaRecord, user_id, "CA#", offset=0, limit=1, filters={"parent_ca_id": parent_ca_id})[1]


def create_ca(record: CaRecord) -> None:
    _save_new(record)


def update_ca(record: CaRecord, actions: list[Any]) -> None:
    _update(record, actions)


def ca_used(record: CaRecord, *, now_ms: int) -> None:
    """One more leaf issued (atomic counter) and when."""
    _update(record, [CaRecord.issued_cert_count.add(1), CaRecord.last_used_at.set(now_ms),
                     CaRecord.updated_at_ms.set(now_ms)])


def delete_ca(user_id: int, ca_id: int) -> None:
    dynamo.delete(common.certificates(), user_key(user_id), ca_sk(ca_id))


# ------------------------------------------------------------------------------------------- ACME accounts

def account(user_id: int, account_id: int) -> AcmeAccount | None:
    return _get(AcmeAccount, user_key(user_id), account_sk(account_id))


def accounts_of(user_id: int, *, offset: int, limit: int) -> tuple[list[AcmeAccount], int]:
    return _page(AcmeAccount, user_id, "ACCT#", offset=offset, limit=limit)


def accounts_using_ca(user_id: int, ca_id: int) -> int:
    return _page(AcmeAccount, user_id, "ACCT#", offset=0, limit=1, filters={"ca_id": ca_id})[1]


def create_account(record: AcmeAccount) -> None:
    _save_new(record)


def update_account(record: AcmeAccount, actions: list[Any]) -> None:
    _update(record, actions)


def delete_account(user_id: int, account_id: int) -> None:
    dynamo.delete(common.certificates(), user_key(user_id), account_sk(account_id))


def is_write_conflict(error: Exception) -> bool:
    return isinstance(error, PutError | UpdateError) and error.cause_response_code == \
        "ConditionalCheckFailedException"
