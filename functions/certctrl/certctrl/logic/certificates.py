"""A user's certificates: create (names, key, subject, key distribution policy), read, change, verify_domain,
delete, issuance history and the ZIP export (the notes §2 "Certificates").

* The names are checked as a CA would (`pki.identifiers`); the key (`key_algorithm`, `key_size`, `curve_name`) and
  subject fields as the CSR needs them. An ACME account (`acct_id`) is optional at creation, needed to issue.
* DNS-01 uses CNAME delegation: each name's `_acme-challenge.<name>` must be a CNAME to `<cert_key>.acme.<zone>`
  (`dns_delegations` in the answer). `PUT {action:"verify_domain"}` looks them up over DNS-over-HTTPS: 204 when
  every one is there (the certificate is then `verified`), 409 naming the missing ones otherwise.
* A policy change (HYBRID / MASTER_ONLY / DEVICE_REQUIRED, `server_decrypt_export`) reaches every device as
  `cert.updated`, re-wrapping where a wrap is now needed.
* Export (`format=zip`): private.key, certificate.pem, chain.pem, fullchain.pem, certificate.der, bundle.pfx,
  meta.json; the PKCS#12 password goes in the `X-Export-Password` header only. DEVICE_REQUIRED certificates never
  leave through the server: 403 EXPORT_FORBIDDEN.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any

from certctrl import clock
from certctrl.errors import ExportForbidden
from certctrl.logic import acme_accounts, delivery, issuing, pki
from certctrl.logic import delivery_crypto as dc
from certctrl.models.certificates import CertificateBody, CertificateUpdate
from certctrl.models.entities import CertificateRecord
from certctrl.providers import acme, dns_lookup
from certctrl.store import certificates, counters, issues
from suite.errors import BadRequest, Conflict, NotFound, UpstreamFailure
from suite.outbound import ProviderError

VIEW_FIELDS = ("organization", "organizational_unit", "country", "state", "locality")


def owned(user_id: int, cert_id: int) -> CertificateRecord:
    record = certificates.certificate(user_id, cert_id)
    if record is None:
        raise NotFound("Certificate not found", code="404")
    return record


def _b64_der(pem: str | None) -> str | None:
    if not pem:
        return None
    try:
        return base64.b64encode(pki.split_chain(pem).leaf_der()).decode("ascii")
    except pki.PkiError:
        return None


def view(record: CertificateRecord, *, detail: bool = False) -> dict[str, Any]:
    """Metadata (the list and the default detail); `detail` adds the public material (`?detail=most`)."""
    data: dict[str, Any] = {
        "id": int(record.id), "user_id": int(record.user_id),
        "acct_id": int(record.acct_id) if record.acct_id else None,
        "ca_id": int(record.ca_id) if record.ca_id else None,
        "domain_name": record.domain_name, "sans": list(record.sans or []), "status": record.status,
        "key_algorithm": record.key_algorithm, "key_size": int(record.key_size) if record.key_size else None,
        "curve_name": record.curve_name, **{name: getattr(record, name) for name in VIEW_FIELDS},
        "challenge_type": record.challenge_type, "key_dist_policy": record.key_dist_policy,
        "policy": record.key_dist_policy, "server_decrypt_export": bool(record.server_decrypt_export),
        "auto_renew": bool(record.auto_renew), "verified": bool(record.verified),
        "self_signed": bool(record.self_signed), "serial_number": record.serial_number,
        "not_before": int(record.not_before) if record.not_before else None,
        "not_after": int(record.not_after) if record.not_after else None,
        "issued_at": int(record.issued_at) if record.issued_at else None,
        "renew_after": int(record.renew_after) if record.renew_after else None,
        "current_issue_id": int(record.current_issue_id) if record.current_issue_id else None,
        "issue_count": int(record.issue_count or 0), "key_generation": int(record.key_generation or 0),
        "dns_delegations": [{"name": name, "type": "CNAME", "value": target}
                            for name, target in _delegations(record).items()],
        "created_at": int(record.created_at_ms), "updated_at": int(record.updated_at_ms),
    }
    if detail:
        data.update(certificate_pem=record.certificate_pem, chain_pem=record.chain_pem,
                    fullchain_pem=delivery.full_chain(record) or None,
                    certificate_der_b64=_b64_der(record.certificate_pem))
    return data


def _delegations(record: CertificateRecord) -> dict[str, str]:
    try:
        return issuing.delegations(record)
    except (pki.PkiError, ValueError):
        return {}


def _account(user_id: int, acct_id: int | None) -> Any:
    if acct_id is None:
        return None
    account = certificates.account(user_id, acct_id)
    if account is None:
        raise NotFound("ACME account not found", code="404")
    return account


def create(user_id: int, body: CertificateBody, *, acct_id: int | None = None) -> dict[str, Any]:
    account_id = acct_id if acct_id is not None else body.acct_id
    account = _account(user_id, account_id)
    algorithm, size, curve = body.key_algorithm, body.key_size, body.curve_name
    if algorithm is None and size is None and curve is None and account is not None:  # the account's defaults
        algorithm = account.leaf_key_algorithm
        rsa = (algorithm or "").upper() == "RSA"
        size = account.leaf_rsa_bits if rsa else None
        curve = None if rsa else account.leaf_ec_curve
    try:
        names = pki.identifiers(body.domain_name, body.sans)
        spec = pki.key_spec(algorithm, size, curve)
        subject = pki.Subject.from_fields(organization=body.organization,
                                          organizational_unit=body.organizational_unit, country=body.country,
                                          state=body.state, locality=body.locality)
        policy = dc.KeyDistributionPolicy.parse(body.key_dist_policy or body.policy)
    except (pki.PkiError, dc.DeliveryError) as exc:
        raise BadRequest(str(exc)) from None
    if body.ca_id is not None and certificates.ca(user_id, body.ca_id) is None:
        raise NotFound("CA not found", code="404")
    cert_id = counters.next_id("certificate")
    now_ms = clock.epoch_ms()
    seconds = body.validity_seconds or (int(account.cert_valid_seconds) if account and account.cert_valid_seconds
                                        else None)
    record = CertificateRecord(
        certificates.user_key(user_id), certificates.certificate_sk(cert_id), id=cert_id, user_id=user_id,
        domain_name=names[0].value, sans=[n.value for n in names], status="PENDING", acct_id=account_id,
        ca_id=body.ca_id, key_algorithm=spec.algorithm, key_size=spec.bits, curve_name=spec.curve,
        organization=subject.organization or None, organizational_unit=subject.organizational_unit or None,
        country=subject.country or None, state=subject.state or None, locality=subject.locality or None,
        challenge_type=body.challenge_type or acme.DNS01, cert_key=f"c{cert_id}-{secrets.token_hex(4)}",
        key_dist_policy=policy.value, server_decrypt_export=bool(body.server_decrypt_export),
        auto_renew=True if body.auto_renew is None else body.auto_renew, validity_seconds=seconds,
        self_signed=bool(body.ca_id) or bool(account and account.provider == acme_accounts.SELF_CA),
        created_at_ms=now_ms, updated_at_ms=now_ms)
    certificates.create_certificate(record)
    return view(record)


def listing(user_id: int, *, offset: int, limit: int, acct_id: int | None = None) -> tuple[list[dict], int]:
    if acct_id is not None:
        _account(user_id, acct_id)
    found, total = certificates.certificates_of(user_id, offset=offset, limit=limit, acct_id=acct_id)
    return [view(r) for r in found], total


def update(record: CertificateRecord, body: CertificateUpdate) -> dict[str, Any] | None:
    """`PUT`: `action` "verify_domain" (None: 204) or "update" (the changed certificate)."""
    if body.action == "verify_domain":
        verify_domain(record)
        return None
    actions: list[Any] = [CertificateRecord.updated_at_ms.set(clock.epoch_ms())]
    policy_changed = False
    wanted = body.key_dist_policy or body.policy
    if wanted is not None:
        try:
            policy = dc.KeyDistributionPolicy.parse(wanted).value
        except dc.DeliveryError as exc:
            raise BadRequest(str(exc)) from None
        if policy != record.key_dist_policy:
            actions.append(CertificateRecord.key_dist_policy.set(policy))
            policy_changed = True
    if body.server_decrypt_export is not None and body.server_decrypt_export != bool(record.server_decrypt_export):
        actions.append(CertificateRecord.server_decrypt_export.set(body.server_decrypt_export))
        policy_changed = True
    if body.challenge_type is not None:
        actions.append(CertificateRecord.challenge_type.set(body.challenge_type))
    if body.validity_seconds is not None:
        actions.append(CertificateRecord.validity_seconds.set(body.validity_seconds))
    if body.auto_renew is not None:
        actions.append(CertificateRecord.auto_renew.set(body.auto_renew))
        if not body.auto_renew:
            actions += [CertificateRecord.renew_shard.remove(), CertificateRecord.renew_after.remove()]
        elif record.renew_after and record.serial_number:
            actions.append(CertificateRecord.renew_shard.set(delivery.renewal_shard(int(record.id))))
    try:
        certificates.update_certificate(record, actions)
    except certificates.Changed:
        raise NotFound("Certificate not found", code="404") from None
    updated = owned(int(record.user_id), int(record.id))
    if policy_changed:
        delivery.rewrap(updated, notify=True)
    return view(updated)


def verify_domain(record: CertificateRecord) -> None:
    expected = _delegations(record)
    if not expected:
        raise BadRequest("the certificate has no DNS names to delegate")
    problems = []
    for name, target in expected.items():
        try:
            found = dns_lookup.cname(name)
        except ProviderError as exc:
            raise UpstreamFailure(f"DNS lookup failed: {exc.message}", code="502") from None
        if found != target:
            problems.append({"name": name, "expected": target, "found": found})
    if problems:
        raise Conflict("CNAME delegation missing: " + ", ".join(f"{p['name']} → {p['expected']}" for p in problems),
                       code="409", details={"params": {"missing": problems}})
    certificates.update_certificate(record, [CertificateRecord.verified.set(True),
                                             CertificateRecord.updated_at_ms.set(clock.epoch_ms())])


def delete(record: CertificateRecord) -> None:
    """The certificate leaves every device (`cert.unassigned`), then its issues, wraps and record go."""
    delivery.unassign_everywhere(record)
    issues.delete_all(int(record.id))
    certificates.delete_certificate(int(record.user_id), int(record.id))


def history(record: CertificateRecord, *, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    found, total = issues.history(int(record.id), offset=offset, limit=limit)
    return [issuing.history_view(i) for i in found], total


def export(record: CertificateRecord, fmt: str) -> dc.ExportBundle:
    if fmt.lower() != "zip":
        raise BadRequest("format: only zip is supported")
    if not delivery.has_key(record) or not record.certificate_pem:
        raise NotFound("The certificate has not been issued yet", code="404")
    if delivery.policy(record) is dc.KeyDistributionPolicy.DEVICE_REQUIRED:
        raise ExportForbidden("DEVICE_REQUIRED certificates reach their devices only")
    der = delivery.private_key_der(record)
    return dc.build_export(cert_id=str(int(record.id)), domain_name=record.domain_name, private_key=der,
                           fullchain_pem=delivery.full_chain(record),
                           meta={"key_dist_policy": record.key_dist_policy})
