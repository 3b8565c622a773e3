"""A user's devices: list, get, by public id, remove; certificates and CAs on a device and their signals."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from certctrl import clock
from certctrl.models.entities import CaRecord, CertificateRecord
from certctrl.store import certificates
from tests.integration.certctrl.support import new_account, register_device

UPDATES = "/apiv1/devices/self/updates"


def self_signed(name: str) -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=30)).sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def a_certificate(client, user_id: int, cert_id: int, *, issued: bool = True) -> CertificateRecord:
    client.use_env("certctrl.DeviceAssetsFunction")
    now = clock.epoch_ms()
    record = CertificateRecord(certificates.user_key(user_id), certificates.certificate_sk(cert_id), id=cert_id,
                               user_id=user_id, domain_name="example.com", sans=["example.com", "www.example.com"],
                               status="ISSUED" if issued else "PENDING", serial_number="0199a9cfdf723003",
                               certificate_pem=self_signed("example.com") if issued else None,
                               chain_pem=self_signed("Example CA") if issued else None,
                               created_at_ms=now, updated_at_ms=now)
    record.save()
    return record


def a_ca(client, user_id: int, ca_id: int) -> CaRecord:
    client.use_env("certctrl.DeviceAssetsFunction")
    now = clock.epoch_ms()
    record = CaRecord(certificates.user_key(user_id), certificates.ca_sk(ca_id), id=ca_id, user_id=user_id,
                      name="Home CA", serial_number="0199a9cfdf723004", algorithm="ECDSA", curve_name="prime256v1",
                      valid_days=3650, ca_certificate_pem=self_signed("Home CA"), created_at_ms=now,
                      updated_at_ms=now)
    record.save()
    return record


def test_list_get_by_public_id_and_remove(client):
    account = new_account(client)
    first = register_device(client, account)
    second = register_device(client, account)
    base = f"/apiv1/users/{account.user_id}/devices"
    listed = client.get(base, headers=account.headers, query={"limit": 1, "offset": 1})
    assert listed.json["total"] == 2
    assert [d["id"] for d in listed.json["data"]] == [second.device_id]
    item = listed.json["data"][0]
    assert item["status"] == "ACTIVE"
    assert isinstance(item["created_at"], int)
    one = client.get(f"{base}/{first.device_id}", headers=account.headers)
    assert one.json["data"]["device_public_id"] == first.public_id
    by_public = client.get(f"{base}/by-public-id/{first.public_id}", headers=account.headers)
    assert by_public.json["data"]["id"] == first.device_id
    assert client.get(f"{base}/by-public-id/unknown", headers=account.headers).status == 404
    assert client.get(f"{base}/not-a-number", headers=account.headers).status == 404
    assert client.delete(f"{base}/{first.device_id}", headers=account.headers).status == 204
    assert client.get(f"{base}/{first.device_id}", headers=account.headers).status == 404
    assert client.get(UPDATES, headers=first.headers).status == 401  # its access token died with it
    assert client.post("/auth/refresh", {"refresh_token": first.refresh_token}).status == 401
    assert client.get(UPDATES, headers=second.headers).status == 204
    again = register_device(client, account, public_id=first.public_id)  # the public id is free again
    assert again.device_id not in (first.device_id, second.device_id)


def test_certificates_on_a_device_send_signals(client):
    account = new_account(client)
    device = register_device(client, account)
    a_certificate(client, account.user_id, 9981)
    base = f"/apiv1/users/{account.user_id}/devices/{device.device_id}/certificates"
    assert client.post(base, {"cert_id": 12345}, headers=account.headers).status == 404
    # this record has public material but no key yet: the pending sentinel is written, the wrap comes with the
    # issuance (202); assigning again changes nothing and sends nothing (the signals below)
    assert client.post(base, {"cert_id": 9981}, headers=account.headers).status == 202
    assert client.post(base, {"cert_id": 9981}, headers=account.headers).status == 202
    listed = client.get(base, headers=account.headers).json["data"]
    assert [(c["cert_id"], c["domain_name"]) for c in listed] == [(9981, "example.com")]
    detail = client.get("/apiv1/devices/self/certificates/9981", headers=device.headers).json["data"]
    assert detail["certificate_pem"].startswith("-----BEGIN CERTIFICATE-----")
    assert detail["fullchain_pem"].count("BEGIN CERTIFICATE") == 2
    legacy = client.get("/apiv1/devices/self/certificates/9981/bundle", headers=device.headers)
    assert legacy.json["data"] == detail
    no_key = client.get("/apiv1/devices/self/certificates/9981/deploy-materials", headers=device.headers)
    assert no_key.status == 404  # the agent then falls back to the detail (which has no key either)
    assert client.get(f"{base}/9981/bundle", headers=account.headers).json["data"] == detail
    assert client.delete(f"{base}/9981", headers=account.headers).status == 204
    assert client.delete(f"{base}/9981", headers=account.headers).status == 404
    assert client.get("/apiv1/devices/self/certificates/9981", headers=device.headers).status == 404
    signals = client.get(UPDATES, headers=device.headers).json["data"]["signals"]
    assert [(s["type"], s["ref"]["cert_id"]) for s in signals] == [("cert.updated", 9981), ("cert.unassigned", 9981)]


def test_cas_on_a_device_send_signals(client):
    account = new_account(client)
    device = register_device(client, account)
    a_ca(client, account.user_id, 77)
    base = f"/apiv1/users/{account.user_id}/devices/{device.device_id}/cas"
    assert client.get("/apiv1/devices/self/cas/77/bundle", headers=device.headers).status == 404  # not assigned
    assert client.post(base, {"ca_id": 77}, headers=account.headers).status == 204
    bundle = client.get("/apiv1/devices/self/cas/77/bundle", headers=device.headers, query={"pack": "download"})
    data = bundle.json["data"]
    assert data["name"] == "Home CA"
    assert data["ca_certificate_pem"].startswith("-----BEGIN CERTIFICATE-----")
    assert data["ca_certificate_der_b64"]
    assert client.get(f"{base}/77/bundle", headers=account.headers).json["data"] == data
    assert [c["id"] for c in client.get(base, headers=account.headers).json["data"]] == [77]
    assert client.delete(f"{base}/77", headers=account.headers).status == 204
    signals = client.get(UPDATES, headers=device.headers).json["data"]["signals"]
    assert [s["type"] for s in signals] == ["ca.assigned", "ca.unassigned"]
    assert signals[0]["ref"] == {"ca_id": 77, "serial": "0199a9cfdf723004", "ca_name": "Home CA"}


def test_another_users_certificate_cannot_be_assigned(client):
    owner, other = new_account(client), new_account(client)
    a_certificate(client, owner.user_id, 4242)
    device = register_device(client, other)
    base = f"/apiv1/users/{other.user_id}/devices/{device.device_id}/certificates"
    assert client.post(base, {"cert_id": 4242}, headers=other.headers).status == 404
