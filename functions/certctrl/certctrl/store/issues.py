"""Issues (one issuance or renewal each) in CertificatesTable: pk `CERT#<cert id>`, sk `ISSUE#<id, 12 digits>`.

An ACME issue carries the state machine's state (`machine`) and its `revision`: every step is saved on the
condition that the revision is still the one the step started from, so two deliveries of one message never both
move an issue. Starting an issue and installing what it produced each touch the certificate in the same
transaction (`start`, `commit_install`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pynamodb.exceptions import DoesNotExist

from certctrl.models.entities import Issue
from certctrl.store import common
from certctrl.store.certificates import certificate_sk, user_key
from suite import dynamo


def partition(cert_id: int) -> str:
    return f"CERT#{cert_id}"


def issue_sk(issue_id: int) -> str:
    return f"ISSUE#{issue_id:012d}"


def get(cert_id: int, issue_id: int) -> Issue | None:
    try:
        return Issue.get(partition(cert_id), issue_sk(issue_id), consistent_read=True)
    except DoesNotExist:
        return None


def history(cert_id: int, *, offset: int, limit: int) -> tuple[list[Issue], int]:
    """Newest first."""
    request = {"KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)", "ConsistentRead": True,
               "ExpressionAttributeValues": dynamo.expression_values({":pk": partition(cert_id),
                                                                      ":prefix": "ISSUE#"})}
    items = dynamo.query_page(common.certificates(), offset, limit, ScanIndexForward=False, **request)
    total = dynamo.count(common.certificates(), **request)
    return [Issue.from_raw_data(dynamo.to_item(item)) for item in items], total


def delete_all(cert_id: int) -> None:
    """The certificate's issues and device wraps (its whole partition)."""
    keys = [(item["pk"], item["sk"]) for item in dynamo.query_partition(common.certificates(), partition(cert_id))]
    dynamo.batch_delete(common.certificates(), keys)


def _assignments(fields: Mapping[str, Any], remove: tuple[str, ...] = ()) -> tuple[str, dict[str, str], dict]:
    names = {f"#{name}": name for name in [*fields, *remove]}
    values = {f":{name}": machine_json(value) if name == "machine" else value for name, value in fields.items()}
    expression = "SET " + ", ".join(f"#{name} = :{name}" for name in fields)
    if remove:
        expression += " REMOVE " + ", ".join(f"#{name}" for name in remove)
    return expression, names, values


def start(issue: Issue, *, user_id: int, cert_id: int, expected_current: int | None, now_ms: int) -> bool:
    """The new issue and the certificate marked as issuing it, together; False when another issue was started
    meanwhile (the certificate's `current_issue_id` is no longer `expected_current`)."""
    tx = dynamo.Transaction()
    tx.put(common.certificates(), common.item_of(issue), condition="attribute_not_exists(pk)")
    condition = "attribute_not_exists(current_issue_id)"
    if expected_current is not None:  # the current issue ended (or was given up): it may be replaced
        condition += " OR current_issue_id = :expected"
    values: dict[str, Any] = {":id": int(issue.id), ":status": "ISSUING", ":now": now_ms, ":one": 1}
    if expected_current is not None:
        values[":expected"] = expected_current
    tx.update(common.certificates(), user_key(user_id), certificate_sk(cert_id),
              "SET current_issue_id = :id, #status = :status, updated_at_ms = :now ADD issue_count :one",
              condition=f"attribute_exists(pk) AND ({condition})", names={"#status": "status"}, values=values)
    return tx.commit_if_conditions_hold()


def save(issue: Issue, fields: Mapping[str, Any], *, expected_revision: int, remove: tuple[str, ...] = ()) -> bool:
    """One step's new state, if nobody saved another since `expected_revision` (False: the step lost)."""
    expression, names, values = _assignments(fields, remove)
    try:
        dynamo.update(common.certificates(), str(issue.pk), str(issue.sk), expression, condition="revision = :expected",
                      names=names, values={**values, ":expected": expected_revision}, return_values="NONE")
    except Exception as error:
        if dynamo.is_condition_failure(error):
            return False
        raise
    return True


def release(user_id: int, cert_id: int, *, issue_id: int, now_ms: int, status: str | None = None) -> None:
    """The certificate no longer has `issue_id` as its current issue (it ended, or can no longer run); `status`
    (FAILED, or ISSUED for a certificate whose renewal failed) is set with it. Nothing when another issue is
    current by now."""
    expression = "REMOVE current_issue_id SET updated_at_ms = :now"
    values: dict[str, Any] = {":now": now_ms, ":id": issue_id}
    names = None
    if status:
        expression += ", #status = :status"
        values[":status"] = status
        names = {"#status": "status"}
    try:
        dynamo.update(common.certificates(), user_key(user_id), certificate_sk(cert_id), expression,
                      condition="current_issue_id = :id", names=names, values=values, return_values="NONE")
    except Exception as error:
        if not dynamo.is_condition_failure(error):
            raise


def commit_install(*, user_id: int, cert_id: int, certificate: Mapping[str, Any], remove: tuple[str, ...],
                   expected_generation: int, issue: Issue, issue_fields: Mapping[str, Any] | None,
                   expected_revision: int | None) -> bool:
    """The new material on the certificate (if its key generation is still `expected_generation`) and the issue's
    success, in one transaction. `issue_fields` None: `issue` is a new row (a synchronous issue or an upload);
    else the running issue is updated on its revision. False when either condition failed."""
    tx = dynamo.Transaction()
    expression, names, values = _assignments(certificate, remove)
    tx.update(common.certificates(), user_key(user_id), certificate_sk(cert_id), expression,
              condition="attribute_exists(pk) AND #key_generation = :generation",
              names={**names, "#key_generation": "key_generation"},
              values={**values, ":generation": expected_generation})
    if issue_fields is None:
        tx.put(common.certificates(), common.item_of(issue), condition="attribute_not_exists(pk)")
    else:
        expression, names, values = _assignments(issue_fields, ("pending_key",))
        tx.update(common.certificates(), str(issue.pk), str(issue.sk), expression, condition="revision = :expected",
                  names=names, values={**values, ":expected": expected_revision})
    return tx.commit_if_conditions_hold()


def machine_json(record: Any) -> Any:
    """The state machine's record as the JSON text the model's JSONAttribute holds."""
    return record if isinstance(record, str) or record is None else json.dumps(record, separators=(",", ":"),
                                                                               sort_keys=True)
