"""certctrl's issue 17 wiring, the parts that are pure: what a device's wrap row means (current or to redo), the
`cert.updated` ref, the CA answers mapped to ours, the RFC 8737 validation certificate, the job messages a worker
drops, the expiry event's shape and the once-per-window key."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from cryptography import x509
from cryptography.x509.oid import ObjectIdentifier
from nacl.public import PrivateKey

from certctrl.errors import ExportForbidden, NoKid, WrapPending
from certctrl.logic import cert_jobs, challenges, delivery, renewals
from certctrl.logic import delivery_crypto as dc
from certctrl.logic.acme_registry import provider_failure
from certctrl.models.entities import CertDeviceWrap, CertificateRecord, Device
from suite.envelopes import DataEnvelope
from suite.outbound import ProviderError


def device(secret: PrivateKey, device_id: int = 5) -> Device:
    return Device("USER#1", f"DEVICE#{device_id:012d}", id=device_id, user_id=1, device_public_id="d",
                  dev_pk=base64.b64encode(bytes(secret.public_key)).decode(), fingerprint="", created_at_ms=0,
                  updated_at_ms=0, registered_at=0)


def record(**fields) -> CertificateRecord:
    values = {"id": 9, "user_id": 1, "domain_name": "example.com", "created_at_ms": 0, "updated_at_ms": 0,
              "key_dist_policy": "HYBRID", "key_generation": 2, "serial_number": "0A:BC",
              "enc_privkey": "eA==", "master_wrap": "v1.x", **fields}
    return CertificateRecord("USER#1", "CERT#000000000009", **values)


def row(wrap: dc.DeviceWrap) -> CertDeviceWrap:
    raw = wrap.to_record()
    return CertDeviceWrap("CERT#9", "DEVICE#000000000005", cert_id=9, device_id=5, user_id=1,
                          device_keyfp=raw["device_keyfp"], enc_data_key=raw["enc_data_key"],
                          key_generation=raw["key_generation"], created_at_ms=0, updated_at_ms=0)


def test_a_wrap_is_current_only_for_the_key_generation_and_the_device_key():
    secret = PrivateKey.generate()
    mine = device(secret)
    key = dc.DeviceKey("5", bytes(secret.public_key))
    data_key = dc.new_data_key()
    assert delivery.is_current(row(dc.wrap_for_device(data_key, key, generation=2)), record(), mine)
    assert not delivery.is_current(row(dc.wrap_for_device(data_key, key, generation=1)), record(), mine)
    assert not delivery.is_current(row(dc.pending_wrap(key, generation=2)), record(), mine)
    assert not delivery.is_current(None, record(), mine)
    other = dc.DeviceKey("5", bytes(PrivateKey.generate().public_key))
    assert not delivery.is_current(row(dc.wrap_for_device(data_key, other, generation=2)), record(), mine)
    # nothing to seal: MASTER_ONLY, or not issued yet
    assert delivery.is_current(row(dc.pending_wrap(key)), record(key_dist_policy="MASTER_ONLY"), mine)
    assert delivery.is_current(row(dc.pending_wrap(key)), record(enc_privkey=None, master_wrap=None), mine)


def test_cert_updated_says_whether_the_wrap_is_ready():
    secret = PrivateKey.generate()
    key = dc.DeviceKey("5", bytes(secret.public_key))
    ready = dc.wrap_for_device(dc.new_data_key(), key, generation=2)
    assert delivery.signal_ref(record(), ready) == {
        "cert_id": 9, "serial": "0A:BC", "wrap_ready": True, "wrap_alg": "x25519",
        "device_keyfp_b64": base64.b64encode(hashlib.blake2b(bytes(secret.public_key), digest_size=32).digest())
        .decode()}
    assert delivery.signal_ref(record(), dc.pending_wrap(key, generation=2))["wrap_ready"] is False
    assert delivery.signal_ref(record(key_dist_policy="MASTER_ONLY"), None) == {"cert_id": 9, "serial": "0A:BC"}
    assert delivery.serial_hex(record(serial_number="00:0A:BC")) == "abc"


def test_the_agents_refusals_carry_their_keys():
    envelope = DataEnvelope()
    pending = json.loads(envelope.error(WrapPending()).body)
    assert pending["error"]["code"] == 409
    assert "WRAP_PENDING" in pending["error"]["what"]
    assert pending["error"]["key"] == "WRAP_PENDING"
    forbidden = json.loads(envelope.error(ExportForbidden("no")).body)
    assert forbidden["error"] == {"code": 403, "what": "EXPORT_FORBIDDEN: no", "key": "EXPORT_FORBIDDEN"}
    assert json.loads(envelope.error(NoKid("frozen")).body)["error"] == {"code": 6000, "what": "frozen",
                                                                          "key": "NO_KID"}


@pytest.mark.parametrize(("reason", "status"), [("rejected", 400), ("unsafe_url", 400), ("rate_limited", 429),
                                                ("timeout", 504), ("unreachable", 502), ("bad_response", 502)])
def test_ca_answers_become_ours(reason, status):
    error = provider_failure(ProviderError(reason, "acme: nope", retry_after=7,
                                           provider_code="externalAccountRequired"))
    assert error.status == status
    if status == 429:
        assert error.headers["Retry-After"] == "7"
    if status == 400:
        assert error.details["key"] == "externalAccountRequired"


def test_the_tls_alpn_01_certificate_is_rfc_8737s():
    key_authorization = "token123.thumbprint456"
    cert_pem, key_pem = challenges.validation_certificate("app.example.com", key_authorization)
    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["app.example.com"]
    acme_id = cert.extensions.get_extension_for_oid(ObjectIdentifier("1.3.6.1.5.5.7.1.31"))
    assert acme_id.critical
    assert acme_id.value.value == b"\x04\x20" + hashlib.sha256(key_authorization.encode()).digest()
    assert key_pem.startswith("-----BEGIN PRIVATE KEY-----")
    ip_pem, _ = challenges.validation_certificate("192.0.2.7", key_authorization, ip=True)
    ip_cert = x509.load_pem_x509_certificate(ip_pem.encode())
    assert [str(a) for a in ip_cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            .get_values_for_type(x509.IPAddress)] == ["192.0.2.7"]


@pytest.mark.parametrize("body", ["not json", "[]", '{"kind": "other"}', '{"kind": "issue.advance", "user_id": 1}',
                                  '{"kind": "cert.rewrap", "user_id": true, "cert_id": 2}',
                                  '{"kind": "cert.renew", "user_id": 1, "cert_id": -4}'])
def test_a_malformed_job_is_dropped_not_retried(body, monkeypatch):
    calls = []
    monkeypatch.setattr(cert_jobs.issuing, "advance", lambda *a: calls.append(a))
    monkeypatch.setattr(cert_jobs.issuing, "renew", lambda *a: calls.append(a))
    cert_jobs.handle(body)  # no exception: SQS would deliver it again and again
    assert calls == []


def test_jobs_reach_their_handlers(monkeypatch):
    calls = []
    monkeypatch.setattr(cert_jobs.issuing, "advance", lambda *a: calls.append(("advance", *a)))
    monkeypatch.setattr(cert_jobs.issuing, "renew", lambda *a: calls.append(("renew", *a)))
    cert_jobs.handle('{"kind": "issue.advance", "user_id": 1, "cert_id": 2, "issue_id": 3}')
    cert_jobs.handle('{"kind": "cert.renew", "user_id": 1, "cert_id": 2, "window_key": "2#ab#100"}')
    assert calls == [("advance", 1, 2, 3), ("renew", 1, 2, "2#ab#100")]


def test_the_renewal_window_key_and_the_expiry_event():
    cert = record(renew_window_start=1000, renew_after=1500, not_after=9000, renew_window_end=9000)
    assert renewals.window_key(cert) == "9#abc#1000"
    warning = renewals.renewal.expiry_warnings(cert_id="9", serial_hex="abc", not_after=9000, now=9000 - 2 * 86400)
    event = renewals.expiring_event(cert, warning[0], last_issue_status="FAILED")
    assert event == {"event_key": "certificate.expiring", "user_id": 1, "cert_id": 9, "domain_name": "example.com",
                     "sans": [], "serial_number": "0A:BC", "not_after": 9000, "days_left": 2, "threshold_days": 3,
                     "expired": False, "auto_renew": True, "renew_after": 1500, "last_issue_status": "FAILED"}
