"""A user's private CAs (`/apiv1/users/{user_id}/cas`): created with `cryptography` (a root, or an intermediate
under `parent_ca_id`), the key sealed at once (enc_scheme 1), and leaves issued synchronously
(`POST /cas/{ca_id}/issue`, and SELF_CA accounts through logic/issuing.py). A leaf is a certificate like any
other: a record with its key under a data key, history, devices, renewal from the same CA.

Fields and serials are the contract's (logic/private_ca.py). A CA may be renamed or DISABLED (no more leaves); it
is deleted only when no SELF_CA account, certificate or intermediate uses it.
"""

from __future__ import annotations

import secrets
from typing import Any

from certctrl import clock
from certctrl.logic import delivery, devices, issuing, pki, private_ca
from certctrl.logic import delivery_crypto as dc
from certctrl.models.cas import CaBody, CaUpdate, LeafBody
from certctrl.models.entities import CaRecord, CertificateRecord
from certctrl.store import certificates, counters
from certctrl.store.key_vault import vault
from suite.errors import BadRequest, Conflict, NotFound

CONTRACT = ("name", "algorithm", "key_size", "curve_name", "country", "organization", "organizational_unit",
            "common_name", "state", "locality", "valid_days", "max_path_length", "key_usage", "serial_number",
            "enc_scheme", "ca_certificate_pem", "status")


def view(ca: CaRecord) -> dict[str, Any]:
    data = {name: getattr(ca, name) for name in CONTRACT}
    data.update(id=int(ca.id), user_id=int(ca.user_id), key_size=int(ca.key_size) if ca.key_size else None,
                valid_days=int(ca.valid_days) if ca.valid_days else None,
                max_path_length=int(ca.max_path_length or 0), enc_scheme=int(ca.enc_scheme or 1),
                parent_ca_id=int(ca.parent_ca_id) if ca.parent_ca_id else None,
                not_before=int(ca.not_before) if ca.not_before else None,
                not_after=int(ca.not_after) if ca.not_after else None,
                issued_cert_count=int(ca.issued_cert_count or 0),
                last_used_at=int(ca.last_used_at) if ca.last_used_at else None,
                created_at=int(ca.created_at_ms), updated_at=int(ca.updated_at_ms))
    return data


def owned(user_id: int, ca_id: int) -> CaRecord:
    ca = certificates.ca(user_id, ca_id)
    if ca is None:
        raise NotFound("CA not found", code="404")
    return ca


def listing(user_id: int, *, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    found, total = certificates.cas_of(user_id, offset=offset, limit=limit)
    return [view(c) for c in found], total


def create(user_id: int, body: CaBody) -> dict[str, Any]:
    try:
        request = private_ca.CaRequest.from_body(body.model_dump(exclude={"parent_ca_id"}, exclude_none=True))
    except pki.PkiError as exc:
        raise BadRequest(str(exc)) from None
    parent = owned(user_id, body.parent_ca_id) if body.parent_ca_id else None
    if parent is not None and parent.status != "ACTIVE":
        raise Conflict("the parent CA is disabled", code="409")
    try:
        material = private_ca.create_ca(request, now=clock.now(),
                                        parent=issuing.issuer(parent) if parent is not None else None)
    except pki.PkiError as exc:
        raise BadRequest(str(exc)) from None
    ca_id = counters.next_id("ca")
    now_ms = clock.epoch_ms()
    fields = material.contract_fields()
    fields.pop("issued_cert_count")
    fields.pop("last_used_at")
    record = CaRecord(certificates.user_key(user_id), certificates.ca_sk(ca_id), id=ca_id, user_id=user_id,
                      chain_pem=material.chain_pem.decode("ascii") or None,
                      parent_ca_id=int(parent.id) if parent is not None else None,
                      private_key=vault().seal_ca_key(material.private_key_pem, user_id=user_id, ca_id=ca_id),
                      created_at_ms=now_ms, updated_at_ms=now_ms, issued_cert_count=0, **fields)
    certificates.create_ca(record)
    return view(record)


def update(ca: CaRecord, body: CaUpdate) -> dict[str, Any]:
    actions: list[Any] = []
    if body.name is not None and body.name.strip():
        actions.append(CaRecord.name.set(body.name.strip()))
    if body.status is not None:
        actions.append(CaRecord.status.set(body.status))
    if actions:
        actions.append(CaRecord.updated_at_ms.set(clock.epoch_ms()))
        try:
            certificates.update_ca(ca, actions)
        except certificates.Changed:
            raise NotFound("CA not found", code="404") from None
    return view(owned(int(ca.user_id), int(ca.id)))


def delete(ca: CaRecord) -> None:
    user_id, ca_id = int(ca.user_id), int(ca.id)
    if certificates.accounts_using_ca(user_id, ca_id):
        raise Conflict("SELF_CA accounts issue from this CA; delete them first", code="409")
    if certificates.certificates_using(user_id, ca_id=ca_id):
        raise Conflict("Certificates were issued by this CA; delete them first", code="409")
    if certificates.cas_under(user_id, ca_id):
        raise Conflict("Intermediate CAs were issued by this CA; delete them first", code="409")
    certificates.delete_ca(user_id, ca_id)


def issue(ca: CaRecord, body: LeafBody) -> dict[str, Any]:
    """A leaf at once: a new certificate (self_signed, verified) issued by the CA, delivered to `device_id` when
    given (sealed to it, `cert.updated`)."""
    user_id = int(ca.user_id)
    if ca.status != "ACTIVE":
        raise Conflict("the CA is disabled", code="409")
    device = devices.owned(user_id, body.device_id) if body.device_id else None
    try:
        names = pki.identifiers(body.domain_name, body.sans, allow_single_label=True)
        spec = pki.key_spec(body.key_algorithm, body.key_size, body.curve_name)
        policy = dc.KeyDistributionPolicy.parse(body.policy).value
    except (pki.PkiError, dc.DeliveryError) as exc:
        raise BadRequest(str(exc)) from None
    cert_id = counters.next_id("certificate")
    now_ms = clock.epoch_ms()
    record = CertificateRecord(
        certificates.user_key(user_id), certificates.certificate_sk(cert_id), id=cert_id, user_id=user_id,
        domain_name=names[0].value, sans=[n.value for n in names], status="PENDING", ca_id=int(ca.id),
        key_algorithm=spec.algorithm, key_size=spec.bits, curve_name=spec.curve, challenge_type="dns-01",
        cert_key=f"c{cert_id}-{secrets.token_hex(4)}", key_dist_policy=policy,
        self_signed=True, verified=True, validity_seconds=body.validity_seconds,
        auto_renew=bool(body.auto_renew), created_at_ms=now_ms, updated_at_ms=now_ms)
    certificates.create_certificate(record)
    installed = issuing.issue_from_ca(record, int(ca.id), validity_seconds=body.validity_seconds)
    if device is not None:
        delivery.assign(device, installed)
    return {"id": int(installed.id), "domain_name": installed.domain_name, "sans": list(installed.sans or []),
            "self_signed": True, "verified": True, "serial_number": installed.serial_number,
            "not_before": int(installed.not_before or 0), "not_after": int(installed.not_after or 0),
            "ca_id": int(ca.id), "device_id": body.device_id, "certificate_pem": installed.certificate_pem,
            "chain_pem": installed.chain_pem}
