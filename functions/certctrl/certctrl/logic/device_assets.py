"""Certificates and CAs on a device: assignment, what the user and the device read about them.

Assigning or removing writes the assignment and its signal in one transaction: `cert.updated {cert_id}` /
`cert.unassigned {cert_id}`, `ca.assigned` / `ca.unassigned {ca_id, serial, ca_name}` (the notes, §4).
Assigning what is already assigned changes nothing and sends nothing. The certificate or CA must be the user's.

The private key's delivery is logic/delivery.py: assigning seals the data key to the device at once (200, with
`wrap_ready`/`wrap_alg`/`device_keyfp_b64` in `cert.updated`) or writes the pending sentinel (202: nothing issued
yet, or KMS unreachable and a `cert.rewrap` queued); until a wrap exists for the device, `deploy-materials`
answers 409 with `WRAP_PENDING` in the body, which the agent retries. `/apiv1/me/certificate-assign` assigns the
certificate an API key names to a device by its public id.
"""

from __future__ import annotations

import base64
from typing import Any

from certctrl import clock
from certctrl.logic import delivery, devices, feed, permissions
from certctrl.logic.callers import UserCaller
from certctrl.models.entities import CaRecord, CertificateRecord, Device
from certctrl.store import certificates, device_data
from suite.errors import BadRequest, Forbidden, NotFound

CERT = "CERT"
CA = "CA"


def _certificate(user_id: int, cert_id: int) -> CertificateRecord:
    record = certificates.certificate(user_id, cert_id)
    if record is None:
        raise NotFound("Certificate not found", code="404")
    return record


def _ca(user_id: int, ca_id: int) -> CaRecord:
    record = certificates.ca(user_id, ca_id)
    if record is None:
        raise NotFound("CA not found", code="404")
    return record


def _assigned(device: Device, kind: str, object_id: int) -> dict[str, Any]:
    item = device_data.assignment(int(device.id), kind, object_id)
    if item is None:
        raise NotFound(("Certificate" if kind == CERT else "CA") + " is not assigned to this device", code="404")
    return item


def certificate_view(record: CertificateRecord, assignment: dict[str, Any]) -> dict[str, Any]:
    return {"cert_id": int(record.id), "domain_name": record.domain_name, "sans": list(record.sans or []),
            "status": record.status, "serial_number": record.serial_number,
            "not_before": int(record.not_before) if record.not_before else None,
            "not_after": int(record.not_after) if record.not_after else None,
            "key_dist_policy": record.key_dist_policy, "assigned_at": int(assignment["assigned_at_ms"])}


def ca_view(record: CaRecord) -> dict[str, Any]:
    """The CA bundle as the agent reads it (`ca_certificate_pem`, `ca_certificate_der_b64`)."""
    return {"id": int(record.id), "name": record.name, "serial_number": record.serial_number,
            "status": record.status, "algorithm": record.algorithm,
            "key_size": int(record.key_size) if record.key_size else None, "curve_name": record.curve_name,
            "valid_days": int(record.valid_days) if record.valid_days else None,
            "ca_certificate_pem": record.ca_certificate_pem,
            "ca_certificate_der_b64": _der_b64(record.ca_certificate_pem)}


def _der_b64(pem: str) -> str | None:
    lines = [line.strip() for line in (pem or "").splitlines()]
    try:
        start, end = lines.index("-----BEGIN CERTIFICATE-----"), lines.index("-----END CERTIFICATE-----")
        return base64.b64encode(base64.b64decode("".join(lines[start + 1:end]), validate=True)).decode()
    except (ValueError, TypeError):
        return None


def public_material(record: CertificateRecord) -> dict[str, Any]:
    """The certificate detail the agent reads: `certificate_pem` (leaf), `chain_pem`, `fullchain_pem`,
    `certificate_der_b64`, `domain_name` (its PKCS#12 alias)."""
    if not record.certificate_pem:
        raise NotFound("The certificate has not been issued yet", code="404")
    chain = record.chain_pem or ""
    return {"id": int(record.id), "cert_id": int(record.id), "domain_name": record.domain_name,
            "sans": list(record.sans or []), "serial_number": record.serial_number,
            "not_before": int(record.not_before) if record.not_before else None,
            "not_after": int(record.not_after) if record.not_after else None,
            "key_dist_policy": record.key_dist_policy,
            "certificate_pem": record.certificate_pem, "chain_pem": chain or None,
            "fullchain_pem": delivery.full_chain(record), "certificate_der_b64": _der_b64(record.certificate_pem)}


# --------------------------------------------------------------------------------------------- certificates

def certificates_on(device: Device) -> list[dict[str, Any]]:
    found = []
    for item in device_data.assignments(int(device.id), CERT):
        record = certificates.certificate(int(device.user_id), int(item["id"]))
        if record is not None:
            found.append(certificate_view(record, item))
    return found


def certificate_on(device: Device, cert_id: int) -> dict[str, Any]:
    item = _assigned(device, CERT, cert_id)
    return certificate_view(_certificate(int(device.user_id), cert_id), item)


def assign_certificate(device: Device, cert_id: int) -> delivery.Assigned:
    return delivery.assign(device, _certificate(int(device.user_id), cert_id))


def unassign_certificate(device: Device, cert_id: int) -> None:
    delivery.unassign(device, cert_id)


def certificate_bundle(device: Device, cert_id: int) -> dict[str, Any]:
    _assigned(device, CERT, cert_id)
    return public_material(_certificate(int(device.user_id), cert_id))


def deploy_materials(device: Device, cert_id: int) -> dict[str, Any]:
    record = _certificate(int(device.user_id), cert_id)
    _assigned(device, CERT, cert_id)
    return delivery.deploy_materials(device, record)


def assign_by_key(caller: UserCaller, device_public_id: str, cert_id: int | None) -> delivery.Assigned:
    """`/apiv1/me/certificate-assign`: the certificate comes from the key's permissions (`certificates` with
    `read` or `assign` on one id; `cert_id` picks one when the key names several, or any with obid "*")."""
    granted = [p for p in caller.permissions if permissions.field(p, "obtype") == "certificates"
               and {"read", "assign"} & set(permissions.field(p, "actions") or ())]
    obids = [str(permissions.field(p, "obid") or permissions.ANY) for p in granted]
    concrete = sorted({int(o) for o in obids if o.isdigit()})
    everything = permissions.ANY in obids
    if cert_id is None:
        if len(concrete) != 1 or everything:
            if not concrete and not everything:
                raise Forbidden("This API key names no certificate (certificates: read on a certificate id)",
                                code="403")
            raise BadRequest("cert_id: this API key allows several certificates; say which one")
        cert_id = concrete[0]
    elif not everything and cert_id not in concrete:
        raise Forbidden(f"This API key does not allow certificates:read on {cert_id}", code="403")
    device = devices.by_public_id(caller.user_id, device_public_id)
    return delivery.assign(device, _certificate(caller.user_id, cert_id))


# ------------------------------------------------------------------------------------------------------ CAs

def cas_on(device: Device) -> list[dict[str, Any]]:
    found = []
    for item in device_data.assignments(int(device.id), CA):
        record = certificates.ca(int(device.user_id), int(item["id"]))
        if record is not None:
            found.append({**ca_view(record), "assigned_at": int(item["assigned_at_ms"])})
    return found


def _ca_ref(record: CaRecord) -> dict[str, Any]:
    return {"ca_id": int(record.id), "serial": record.serial_number, "ca_name": record.name}


def assign_ca(device: Device, ca_id: int) -> None:
    record = _ca(int(device.user_id), ca_id)

    def build(tx: Any) -> list[dict[str, Any]]:
        if device_data.assignment(int(device.id), CA, ca_id) is not None:
            return []
        device_data.put_assignment(tx, int(device.id), CA, {"id": ca_id, "assigned_at_ms": clock.epoch_ms()})
        return [{"type": "ca.assigned", "ref": _ca_ref(record)}]

    feed.emit(int(device.id), int(device.user_id), build)


def unassign_ca(device: Device, ca_id: int) -> None:
    def build(tx: Any) -> list[dict[str, Any]]:
        _assigned(device, CA, ca_id)
        record = certificates.ca(int(device.user_id), ca_id)
        device_data.delete_assignment(tx, int(device.id), CA, ca_id)
        ref = _ca_ref(record) if record is not None else {"ca_id": ca_id}
        return [{"type": "ca.unassigned", "ref": ref}]

    feed.emit(int(device.id), int(device.user_id), build)


def ca_bundle(device: Device, ca_id: int) -> dict[str, Any]:
    _assigned(device, CA, ca_id)
    return ca_view(_ca(int(device.user_id), ca_id))
