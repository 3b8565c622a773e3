"""A certificate's private key on its way to devices (docs/certctrl-certificates.md §4, the notes §4).

Per certificate the record keeps the key under a data key (`enc_privkey`, `privkey_nonce`, `privkey_tag`,
`key_generation`) and the data key under KMS (`master_wrap`). Per assigned device a `CertDeviceWrap` row holds the
data key sealed to the device's X25519 key, or the pending sentinel. Every row is written in the same transaction
as the device's assignment (or its re-wrap) and its `cert.updated` signal (logic.feed.emit).

* `assign()`: 200 with the wrap when the data key could be sealed at once (KMS opens the master wrap); 202 when
  the sentinel was written and the wrap comes later: with the issuance (nothing issued yet) or from a queued
  `cert.rewrap` job (KMS could not be reached). MASTER_ONLY certificates need no device wrap (200).
* `rewrap()`: the `cert.rewrap` job, and the end of every issuance: EVERY device of the certificate whose wrap is
  missing, pending, of an older key generation or sealed to a key the device no longer has gets a fresh wrap,
  each with its own `cert.updated` (never only the first device: the original's GCM-tag bug).
* `deploy_materials()`: the policy table of delivery_crypto.deploy_decision for one device.
* `install()`: new material on the certificate (new data key, generation + 1, master wrap, renewal plan) in one
  transaction with the issue's success, then `rewrap(notify=True)`.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from certctrl import clock, config
from certctrl.errors import ExportForbidden, WrapPending
from certctrl.logic import delivery_crypto as dc
from certctrl.logic import feed, pki, renewal
from certctrl.logic.private_ca import format_leaf_serial
from certctrl.models.entities import CertDeviceWrap, CertificateRecord, Device, Issue
from certctrl.store import certificates, device_data, devices, issues, jobs, wraps
from certctrl.store.key_vault import vault
from suite import observability
from suite.errors import NotFound

if TYPE_CHECKING:  # the ACME library is heavy; devices' routes never need it
    from certctrl.providers.acme import RenewalWindow

CERT = "CERT"
HYBRID, MASTER_ONLY = dc.KeyDistributionPolicy.HYBRID, dc.KeyDistributionPolicy.MASTER_ONLY


def policy(record: CertificateRecord) -> dc.KeyDistributionPolicy:
    return dc.KeyDistributionPolicy.parse(record.key_dist_policy)


def has_key(record: CertificateRecord) -> bool:
    return bool(record.enc_privkey and record.master_wrap)


def generation(record: CertificateRecord) -> int:
    return int(record.key_generation or 0)


def encrypted_key(record: CertificateRecord) -> dc.EncryptedKey:
    return dc.EncryptedKey.from_record({"enc_privkey": record.enc_privkey, "privkey_nonce": record.privkey_nonce,
                                        "privkey_tag": record.privkey_tag, "enc_scheme": record.enc_scheme,
                                        "key_generation": generation(record)})


def data_key(record: CertificateRecord) -> bytes:
    return vault().unwrap_data_key(str(record.master_wrap), user_id=int(record.user_id), cert_id=int(record.id))


def private_key_der(record: CertificateRecord) -> bytes:
    """The certificate's private key (PKCS#8 DER), opened through the master wrap: exports and plaintext
    delivery only."""
    return dc.decrypt_private_key(encrypted_key(record), data_key(record))


def device_key(device: Device) -> dc.DeviceKey:
    return dc.DeviceKey(str(int(device.id)), dc.device_public_key(str(device.dev_pk)))


def serial_hex(record: CertificateRecord) -> str:
    return (record.serial_number or "").replace(":", "").lower().lstrip("0") or "0"


# ------------------------------------------------------------------------------------------------ the rows

def _row(record: CertificateRecord, device: Device, wrap: dc.DeviceWrap, *, created_ms: int | None = None
         ) -> CertDeviceWrap:
    now = clock.epoch_ms()
    raw = wrap.to_record()
    return CertDeviceWrap(f"CERT#{int(record.id)}", wraps.device_sk(int(device.id)), cert_id=int(record.id),
                          device_id=int(device.id), user_id=int(record.user_id), device_keyfp=raw["device_keyfp"],
                          enc_data_key=raw["enc_data_key"], wrap_alg=raw["wrap_alg"],
                          key_generation=raw["key_generation"], created_at_ms=created_ms or now, updated_at_ms=now)


def _wrap_of(row: CertDeviceWrap | None) -> dc.DeviceWrap | None:
    return dc.DeviceWrap.from_record(wraps.record(row)) if row is not None else None


def is_current(row: CertDeviceWrap | None, record: CertificateRecord, device: Device) -> bool:
    """The device's row needs nothing: MASTER_ONLY (no device wrap), nothing issued yet (the issuance wraps), or a
    wrap of the current key generation sealed to the device's current key."""
    if row is None:
        return False
    if policy(record) is MASTER_ONLY or not has_key(record):
        return True
    wrap = _wrap_of(row)
    return (wrap is not None and not wrap.pending and wrap.generation == generation(record)
            and wrap.device_keyfp == dc.device_keyfp(str(device.dev_pk)))


def signal_ref(record: CertificateRecord, wrap: dc.DeviceWrap | None) -> dict[str, Any]:
    """`cert.updated`'s ref: `{cert_id, serial?, wrap_ready?, wrap_alg?, device_keyfp_b64?}` (the notes §4)."""
    ref: dict[str, Any] = {"cert_id": int(record.id)}
    if record.serial_number:
        ref["serial"] = record.serial_number
    if policy(record) is MASTER_ONLY or not has_key(record):
        return ref
    if wrap is not None and not wrap.pending and wrap.generation == generation(record):
        ref.update(wrap_ready=True, wrap_alg=dc.WRAP_ALG, device_keyfp_b64=base64.b64encode(wrap.device_keyfp).decode())
    else:
        ref["wrap_ready"] = False
    return ref


def assignment_view(record: CertificateRecord, device: Device, wrap: dc.DeviceWrap | None) -> dict[str, Any]:
    ref = signal_ref(record, wrap)
    return {"cert_id": int(record.id), "device_id": int(device.id), "key_dist_policy": policy(record).value,
            "wrap_ready": bool(ref.get("wrap_ready")), "wrap_alg": ref.get("wrap_alg"),
            "device_keyfp_b64": ref.get("device_keyfp_b64"), "key_generation": generation(record)}


# ------------------------------------------------------------------------------------------------ assignment

@dataclass(frozen=True)
class Assigned:
    status: int  # 200: sealed (or nothing to seal); 202: the pending sentinel is written, the wrap comes later
    view: dict[str, Any]


def assign(device: Device, record: CertificateRecord) -> Assigned:
    """Assign `record` to `device`: the assignment, the device's wrap row and `cert.updated`, in one transaction."""
    sealed: dc.DeviceWrap | None = None
    queue = False
    if policy(record) is not MASTER_ONLY and has_key(record):
        try:
            sealed = dc.wrap_for_device(data_key(record), device_key(device), generation=generation(record))
        except Exception:  # KMS unreachable or refusing: write the sentinel and let the re-wrap job seal it
            observability.logger().warning("data key not opened; re-wrap queued", extra={"cert_id": int(record.id)})
            queue = True
    outcome: dict[str, Any] = {}

    def build(tx: Any) -> list[dict[str, Any]]:
        assigned = device_data.assignment(int(device.id), CERT, int(record.id))
        row = wraps.get(int(record.id), int(device.id))
        if assigned is not None and is_current(row, record, device):
            outcome["wrap"] = _wrap_of(row)
            return []
        if assigned is None:
            device_data.put_assignment(tx, int(device.id), CERT, {"id": int(record.id),
                                                                 "assigned_at_ms": clock.epoch_ms()})
        wrap = sealed or dc.pending_wrap(device_key(device), generation=generation(record))
        wraps.put(tx, _row(record, device, wrap, created_ms=int(row.created_at_ms) if row else None))
        outcome["wrap"] = wrap
        return [{"type": "cert.updated", "ref": signal_ref(record, wrap)}]

    feed.emit(int(device.id), int(device.user_id), build)
    if queue:
        jobs.send({"kind": "cert.rewrap", "user_id": int(record.user_id), "cert_id": int(record.id)})
    wrap = outcome.get("wrap")
    ready = policy(record) is MASTER_ONLY or (wrap is not None and not wrap.pending)
    return Assigned(200 if ready else 202, assignment_view(record, device, wrap))


def unassign(device: Device, cert_id: int) -> None:
    def build(tx: Any) -> list[dict[str, Any]]:
        if device_data.assignment(int(device.id), CERT, cert_id) is None:
            raise NotFound("Certificate is not assigned to this device", code="404")
        device_data.delete_assignment(tx, int(device.id), CERT, cert_id)
        wraps.delete(tx, cert_id, int(device.id))
        return [{"type": "cert.unassigned", "ref": {"cert_id": cert_id}}]

    feed.emit(int(device.id), int(device.user_id), build)


def unassign_everywhere(record: CertificateRecord) -> None:
    """A deleted certificate leaves every device (`cert.unassigned` to each)."""
    for row in wraps.of_certificate(int(record.id)):
        device = devices.get(int(record.user_id), int(row.device_id))
        if device is None:
            wraps.delete_now(int(record.id), int(row.device_id))
            continue
        try:
            unassign(device, int(record.id))
        except NotFound:
            wraps.delete_now(int(record.id), int(row.device_id))


def forget_device(device_id: int, cert_ids: list[int]) -> None:
    """A removed device's wrap rows."""
    wraps.delete_for_device(device_id, cert_ids)


# ------------------------------------------------------------------------------------------------ re-wrap

def rewrap(record: CertificateRecord, *, key: bytes | None = None, notify: bool = False) -> int:
    """Seal the data key again for every device of the certificate that needs it (each with its `cert.updated`);
    `notify` also signals the devices whose wrap was fine (a renewal, a policy change). Returns the wraps made."""
    made = 0
    needs_key = policy(record) is not MASTER_ONLY and has_key(record)
    for row in wraps.of_certificate(int(record.id)):
        device = devices.get(int(record.user_id), int(row.device_id))
        if device is None or device_data.assignment(int(row.device_id), CERT, int(record.id)) is None:
            wraps.delete_now(int(record.id), int(row.device_id))  # left behind by a removed device
            continue
        if needs_key and not is_current(row, record, device):
            key = key if key is not None else data_key(record)
            wrap = dc.wrap_for_device(key, device_key(device), generation=generation(record))
            fresh = _row(record, device, wrap, created_ms=int(row.created_at_ms))

            def build(tx: Any, fresh: CertDeviceWrap = fresh, wrap: dc.DeviceWrap = wrap) -> list[dict[str, Any]]:
                if device_data.assignment(int(fresh.device_id), CERT, int(record.id)) is None:
                    return []  # unassigned meanwhile
                wraps.put(tx, fresh, expected_generation=generation(record))
                return [{"type": "cert.updated", "ref": signal_ref(record, wrap)}]

            if feed.emit(int(device.id), int(record.user_id), build):
                made += 1
        elif notify:
            wrap = _wrap_of(row)
            feed.emit(int(device.id), int(record.user_id),
                      lambda _tx, wrap=wrap: [{"type": "cert.updated", "ref": signal_ref(record, wrap)}])
    return made


def devices_of(record: CertificateRecord) -> list[Device]:
    found = []
    for row in wraps.of_certificate(int(record.id)):
        device = devices.get(int(record.user_id), int(row.device_id))
        if device is not None:
            found.append(device)
    return found


# ------------------------------------------------------------------------------------------------ devices read

def deploy_materials(device: Device, record: CertificateRecord) -> dict[str, Any]:
    """`GET /apiv1/devices/self/certificates/{id}/deploy-materials` for an assigned certificate."""
    row = wraps.get(int(record.id), int(device.id))
    decision = dc.deploy_decision(policy(record), has_encrypted_key=has_key(record), wrap=_wrap_of(row),
                                  device_pk=str(device.dev_pk), key_generation=generation(record),
                                  server_decrypt_export=bool(record.server_decrypt_export))
    if decision is dc.DeployDecision.AEAD:
        return dc.aead_materials(encrypted_key(record), _wrap_of(row))  # type: ignore[arg-type]
    if decision is dc.DeployDecision.PLAINTEXT:
        return dc.plaintext_materials(private_key_der(record), full_chain(record) or None)
    if decision is dc.DeployDecision.EXPORT_FORBIDDEN:
        raise ExportForbidden("this certificate's key is not delivered to devices (MASTER_ONLY without "
                              "server_decrypt_export)")
    if decision is dc.DeployDecision.WRAP_PENDING:
        _heal(record)
        raise WrapPending()
    raise NotFound("The certificate has not been issued yet", code="404")


def _heal(record: CertificateRecord) -> None:
    """A device asks while its wrap is pending: make sure a re-wrap is on its way (a lost `cert.rewrap` message, a
    device registered again with a new key). Asking never wraps by itself; the job is idempotent, and the agent
    asks at most 12 times (3 s, doubling)."""
    if not has_key(record) or policy(record) is MASTER_ONLY:
        return  # the issuance seals for every device
    try:
        jobs.send({"kind": "cert.rewrap", "user_id": int(record.user_id), "cert_id": int(record.id)})
    except Exception:
        observability.logger().warning("re-wrap not queued", extra={"cert_id": int(record.id)})


def full_chain(record: CertificateRecord) -> str:
    leaf = record.certificate_pem or ""
    chain = record.chain_pem or ""
    return leaf.rstrip("\n") + "\n" + chain if chain else leaf


# ------------------------------------------------------------------------------------------------ install

def renewal_shard(cert_id: int) -> str:
    return f"R{cert_id % config.get().renew_shards}"


def expiry_shard(cert_id: int) -> str:
    return f"X{cert_id % config.get().renew_shards}"


def install(record: CertificateRecord, *, private_key: bytes, fullchain_pem: str | bytes, issue: Issue,
            issue_fields: Mapping[str, Any] | None = None, expected_revision: int | None = None,
            ari: RenewalWindow | None = None) -> CertificateRecord | None:
    """Put newly issued material on the certificate: a new data key (generation + 1) with the key under it, its
    master wrap, the chain, the serial, the validity and the renewal plan, together with the issue's success
    (`issue_fields` for a running issue, else `issue` is a new row). Then every device gets its wrap and
    `cert.updated`. None when the certificate or the issue changed meanwhile (nothing written)."""
    now = clock.epoch()
    chain = pki.split_chain(fullchain_pem)
    key = pki.load_private_key(private_key)
    if not pki.key_matches_certificate(key, chain.leaf()):
        raise pki.PkiError("the private key does not belong to the certificate")
    info = pki.certificate_info(chain.leaf())
    new_generation = generation(record) + 1
    materials = dc.prepare_install(pki.private_key_der(key), [], generation=new_generation)
    master = vault().wrap_data_key(materials.data_key, user_id=int(record.user_id), cert_id=int(record.id))
    fields: dict[str, Any] = {
        "certificate_pem": chain.leaf_pem.decode("ascii"),
        "serial_number": format_leaf_serial(int(info.serial_hex, 16)),
        "not_before": info.not_before, "not_after": info.not_after, "issued_at": now, "status": "ISSUED",
        **materials.encrypted.to_record(), "master_wrap": master, "updated_at_ms": clock.epoch_ms(),
        "expiry_shard": expiry_shard(int(record.id)),
    }
    if issue_fields is None:  # a synchronous issue or an upload: its row is new (the generation guards the count)
        fields["issue_count"] = int(record.issue_count or 0) + 1
    remove = ["current_issue_id"]
    if chain.chain_pem:
        fields["chain_pem"] = chain.chain_pem.decode("ascii")
    else:
        remove.append("chain_pem")
    if record.auto_renew:
        plan = renewal.plan_renewal(cert_id=str(int(record.id)), serial_hex=info.serial_hex,
                                    not_before=info.not_before, not_after=info.not_after, now=now, ari=ari)
        fields.update(renew_shard=renewal_shard(int(record.id)), renew_after=plan.renew_after,
                      renew_window_start=plan.window_start, renew_window_end=plan.window_end,
                      renew_source=plan.source)
    else:
        remove += ["renew_shard", "renew_after"]
    done = issues.commit_install(user_id=int(record.user_id), cert_id=int(record.id), certificate=fields,
                                 remove=tuple(remove), expected_generation=generation(record), issue=issue,
                                 issue_fields={**(issue_fields or {}), "serial_number": fields["serial_number"]}
                                 if issue_fields is not None else None,
                                 expected_revision=expected_revision)
    if not done:
        return None
    installed = certificates.certificate(int(record.user_id), int(record.id))
    if installed is not None:
        rewrap(installed, key=materials.data_key, notify=True)
    return installed
