"""Private CAs end to end on moto: a root and an intermediate, leaves that `cryptography` verifies against them,
SELF_CA accounts issuing synchronously, the ZIP export, and delivery to devices: the key sealed to each device's
X25519 key (opened here with PyNaCl as the agent does), 200/202 on assignment, re-wrap of every device when the
certificate is issued again, the policies (MASTER_ONLY plaintext or 403, DEVICE_REQUIRED export 403), the signals
on the updates feed, `/apiv1/me/certificate-assign` and `/apiv1/me/install-config-update`."""

from __future__ import annotations

import base64
import datetime
import io
import json
import zipfile

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
from cryptography.x509.verification import PolicyBuilder, Store
from nacl.public import PrivateKey

from tests.integration.certctrl.cert_support import (
    Agent,
    agent,
    key_matches,
    open_materials,
    pending_jobs,
    purge,
    run_jobs,
    signals,
)
from tests.integration.certctrl.support import api_key, bearer, new_account, register_device

CA_BODY = {"name": "Home Lab Root", "algorithm": "ECDSA", "curve_name": "prime256v1", "country": "cn",
           "organization": "Home Lab", "common_name": "Home Lab Root CA", "valid_days": 3650, "max_path_length": 1,
           "key_usage": "keyCertSign,cRLSign"}


def make_ca(client, account, **changes):
    answer = client.post(f"/apiv1/users/{account.user_id}/cas", {**CA_BODY, **changes}, headers=account.headers)
    assert answer.status == 201, answer.text
    return answer.json["data"]


def verify(leaf_pem: str, chain_pem: str, root_pem: str, name: str) -> None:
    leaf = x509.load_pem_x509_certificate(leaf_pem.encode())
    intermediates = x509.load_pem_x509_certificates(chain_pem.encode()) if chain_pem else []
    root = x509.load_pem_x509_certificate(root_pem.encode())
    verifier = PolicyBuilder().store(Store([root])).time(datetime.datetime.now(datetime.UTC)) \
        .build_server_verifier(x509.DNSName(name))
    verifier.verify(leaf, [c for c in intermediates if c != root])


def test_a_private_ca_issues_leaves_cryptography_verifies(client):
    account = new_account(client)
    root = make_ca(client, account)
    assert root["country"] == "CN"
    assert root["status"] == "ACTIVE"
    assert root["enc_scheme"] == 1
    assert len(root["serial_number"]) == 16
    assert root["issued_cert_count"] == 0
    assert "private_key" not in json.dumps(root)
    inter = make_ca(client, account, name="Issuing", common_name="Home Lab Issuing CA", max_path_length=0,
                    parent_ca_id=root["id"])
    assert inter["parent_ca_id"] == root["id"]
    leaf = client.post(f"/apiv1/users/{account.user_id}/cas/{inter['id']}/issue",
                       {"domain_name": "nas.home.example", "sans": ["*.home.example"], "validity_seconds": 86400},
                       headers=account.headers)
    assert leaf.status == 200, leaf.text
    data = leaf.json["data"]
    assert data["self_signed"] is True
    assert data["verified"] is True
    assert ":" in data["serial_number"]
    verify(data["certificate_pem"], data["chain_pem"], root["ca_certificate_pem"], "nas.home.example")
    verify(data["certificate_pem"], data["chain_pem"], root["ca_certificate_pem"], "photos.home.example")
    again = client.get(f"/apiv1/users/{account.user_id}/cas/{inter['id']}", headers=account.headers).json["data"]
    assert again["issued_cert_count"] == 1
    assert again["last_used_at"]
    listed = client.get(f"/apiv1/users/{account.user_id}/cas", headers=account.headers).json
    assert listed["total"] == 2
    # the CA that issued a certificate (and has an intermediate) cannot go; a disabled CA issues nothing
    assert client.delete(f"/apiv1/users/{account.user_id}/cas/{root['id']}", headers=account.headers).status == 409
    disabled = client.put(f"/apiv1/users/{account.user_id}/cas/{inter['id']}", {"status": "DISABLED"},
                          headers=account.headers)
    assert disabled.json["data"]["status"] == "DISABLED"
    refused = client.post(f"/apiv1/users/{account.user_id}/cas/{inter['id']}/issue",
                          {"domain_name": "x.home.example"}, headers=account.headers)
    assert refused.status == 409
    unused = make_ca(client, account, name="Spare")
    assert client.delete(f"/apiv1/users/{account.user_id}/cas/{unused['id']}", headers=account.headers).status == 204
    bad = client.post(f"/apiv1/users/{account.user_id}/cas", {**CA_BODY, "key_usage": "digitalSignature"},
                      headers=account.headers)
    assert bad.status == 400


def self_ca_certificate(client, account, **extra):
    ca = make_ca(client, account)
    acct = client.post(f"/apiv1/users/{account.user_id}/acme-accounts",
                       {"name": "own CA", "provider": "SELF_CA", "ca_id": ca["id"], "cert_valid_seconds": 7 * 86400},
                       headers=account.headers)
    assert acct.status == 201, acct.text
    assert acct.json["data"]["kid"] is None
    assert acct.json["data"]["provider"] == "SELF_CA"
    created = client.post(f"/apiv1/users/{account.user_id}/acme-accounts/{acct.json['data']['id']}/certificates",
                          {"domain_name": "app.example.internal", "sans": ["api.example.internal"], "action": "create",
                           **extra}, headers=account.headers)
    assert created.status == 201, created.text
    return ca, acct.json["data"], created.json["data"]


def issue(client, account, cert_id):
    answer = client.post(f"/apiv1/users/{account.user_id}/certificates/{cert_id}/issues", {},
                         headers=account.headers)
    assert answer.status == 200, answer.text
    return answer.json["data"]


def test_self_ca_issues_at_once_and_every_device_decrypts_after_a_rewrap(client):
    account = new_account(client)
    ca, _acct, cert = self_ca_certificate(client, account)
    first, second = agent(client, account), agent(client, account)
    base = f"/apiv1/users/{account.user_id}"
    # assigned before issuance: the pending sentinel (202); the issuance seals for every device
    pending = client.post(f"{base}/devices/{first.device_id}/certificates", {"cert_id": cert["id"]},
                          headers=account.headers)
    assert pending.status == 202
    waiting = client.get(f"/apiv1/devices/self/certificates/{cert['id']}/deploy-materials", headers=first.headers)
    assert waiting.status == 404  # nothing issued yet
    issued = issue(client, account, cert["id"])
    assert issued["status"] == "ISSUED"
    assert issued["self_signed"]
    assert issued["key_generation"] == 1
    assert issued["renew_after"]
    assert issued["not_after"] - issued["not_before"] <= 7 * 86400 + 600
    # assigned after issuance: sealed at once (200)
    sealed = client.post(f"{base}/devices/{second.device_id}/certificates", {"cert_id": cert["id"]},
                         headers=account.headers)
    assert sealed.status == 200, sealed.text
    assert sealed.json["data"]["wrap_ready"] is True
    assert sealed.json["data"]["wrap_alg"] == "x25519"
    detail = client.get(f"/apiv1/devices/self/certificates/{cert['id']}", headers=first.headers).json["data"]
    assert base64.b64decode(detail["certificate_der_b64"]) == \
        x509.load_pem_x509_certificate(detail["certificate_pem"].encode()).public_bytes(Encoding.DER)
    verify(detail["certificate_pem"], detail["chain_pem"] or "", ca["ca_certificate_pem"], "app.example.internal")
    for device in (first, second):
        materials = client.get(f"/apiv1/devices/self/certificates/{cert['id']}/deploy-materials",
                               headers=device.headers)
        assert materials.status == 200, materials.text
        assert key_matches(open_materials(materials.json["data"], device.secret), detail["certificate_pem"])
    first_signals, cursor = signals(client, first)
    updates = [s["ref"] for s in first_signals if s["type"] == "cert.updated"]
    assert updates[0] == {"cert_id": cert["id"]} or updates[0].get("wrap_ready") is False
    assert updates[-1]["wrap_ready"] is True
    assert updates[-1]["serial"] == issued["serial_number"]
    # issued again (a renewal): a new key and data key, every device re-wrapped and told
    renewed = issue(client, account, cert["id"])
    assert renewed["serial_number"] != issued["serial_number"]
    assert renewed["key_generation"] == 2
    detail = client.get(f"/apiv1/devices/self/certificates/{cert['id']}", headers=second.headers).json["data"]
    for device in (first, second):
        materials = client.get(f"/apiv1/devices/self/certificates/{cert['id']}/deploy-materials",
                               headers=device.headers).json["data"]
        assert key_matches(open_materials(materials, device.secret), detail["certificate_pem"])
    later, _ = signals(client, first, cursor)
    assert [s["ref"]["serial"] for s in later if s["type"] == "cert.updated"] == [renewed["serial_number"]]
    history = client.get(f"{base}/certificates/{cert['id']}/issues", headers=account.headers).json
    assert history["total"] == 2
    assert [h["status"] for h in history["data"]] == ["SUCCESS", "SUCCESS"]
    assert history["data"][0]["issue_attempt_number"] == 2
    assert history["data"][0]["completed_at"] > 0
    assert client.get(f"{base}/certificates/{cert['id']}/issues/history", headers=account.headers).json == history


def test_the_zip_export_opens_and_its_pkcs12_opens_with_the_header_password(client):
    account = new_account(client)
    _ca, _acct, cert = self_ca_certificate(client, account)
    issue(client, account, cert["id"])
    answer = client.get(f"/apiv1/users/{account.user_id}/certificates/{cert['id']}/export", query={"format": "zip"},
                        headers=account.headers)
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/zip"
    password = answer.headers["x-export-password"]
    assert len(password) == 40
    content = base64.b64decode(answer.raw["body"])
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.namelist() == ["private.key", "certificate.pem", "chain.pem", "fullchain.pem",
                                      "certificate.der", "bundle.pfx", "meta.json"]
        pfx = archive.read("bundle.pfx")
        meta = json.loads(archive.read("meta.json"))
        assert password not in json.dumps(meta)
        assert password.encode() not in content
    key, leaf, chain = pkcs12.load_key_and_certificates(pfx, password.encode())
    assert key is not None
    assert leaf.subject
    assert len(chain) == 1
    assert meta["cert_id"] == str(cert["id"])
    assert client.get(f"/apiv1/users/{account.user_id}/certificates/{cert['id']}/export", query={"format": "pem"},
                      headers=account.headers).status == 400


def test_policies_decide_what_devices_and_exports_get(client):
    account = new_account(client)
    _ca, _acct, cert = self_ca_certificate(client, account, policy="MASTER_ONLY")
    device = agent(client, account)
    base = f"/apiv1/users/{account.user_id}"
    issue(client, account, cert["id"])
    assert client.post(f"{base}/devices/{device.device_id}/certificates", {"cert_id": cert["id"]},
                       headers=account.headers).status == 200
    path = f"/apiv1/devices/self/certificates/{cert['id']}/deploy-materials"
    forbidden = client.get(path, headers=device.headers)
    assert forbidden.status == 403
    assert "EXPORT_FORBIDDEN" in forbidden.text
    _, cursor = signals(client, device)
    flipped = client.put(f"{base}/certificates/{cert['id']}", {"server_decrypt_export": True},
                         headers=account.headers)
    assert flipped.status == 200
    assert flipped.json["data"]["server_decrypt_export"] is True
    told, _ = signals(client, device, cursor)
    assert [s["type"] for s in told] == ["cert.updated"]  # a policy change reaches the device
    plain = client.get(path, headers=device.headers).json["data"]
    assert plain["enc_scheme"] == "plaintext"
    detail = client.get(f"/apiv1/devices/self/certificates/{cert['id']}", headers=device.headers).json["data"]
    assert key_matches(base64.b64decode(plain["private_key_der_b64"]), detail["certificate_pem"])
    # to HYBRID: the device now gets its own wrap
    hybrid = client.put(f"{base}/certificates/{cert['id']}", {"policy": "HYBRID"}, headers=account.headers)
    assert hybrid.json["data"]["key_dist_policy"] == "HYBRID"
    sealed = client.get(path, headers=device.headers).json["data"]
    assert key_matches(open_materials(sealed, device.secret), detail["certificate_pem"])
    # DEVICE_REQUIRED: the key reaches devices only, never an export
    client.put(f"{base}/certificates/{cert['id']}", {"policy": "DEVICE_REQUIRED"}, headers=account.headers)
    export = client.get(f"{base}/certificates/{cert['id']}/export", headers=account.headers)
    assert export.status == 403
    assert "EXPORT_FORBIDDEN" in export.text
    assert client.get(path, headers=device.headers).status == 200


def test_a_new_device_key_waits_for_its_rewrap(client):
    account = new_account(client)
    _ca, _acct, cert = self_ca_certificate(client, account)
    device = agent(client, account)
    issue(client, account, cert["id"])
    client.post(f"/apiv1/users/{account.user_id}/devices/{device.device_id}/certificates", {"cert_id": cert["id"]},
                headers=account.headers)
    # the same public id registers again with another key: the old wrap is not served (it would not open)
    secret = PrivateKey.generate()
    rekeyed = Agent(register_device(client, account, public_id=device.public_id,
                                    dev_pk=base64.b64encode(bytes(secret.public_key)).decode()), secret)
    assert rekeyed.device_id == device.device_id
    rewrap = {"kind": "cert.rewrap", "user_id": account.user_id, "cert_id": cert["id"]}
    assert rewrap in pending_jobs(client)  # queued by the registration
    purge(client)  # ... and lost: the device asking queues it again
    path = f"/apiv1/devices/self/certificates/{cert['id']}/deploy-materials"
    waiting = client.get(path, headers=rekeyed.headers)
    assert waiting.status == 409
    assert "WRAP_PENDING" in waiting.text
    assert rewrap in pending_jobs(client)
    run_jobs(client)
    detail = client.get(f"/apiv1/devices/self/certificates/{cert['id']}", headers=rekeyed.headers).json["data"]
    materials = client.get(path, headers=rekeyed.headers).json["data"]
    assert key_matches(open_materials(materials, rekeyed.secret), detail["certificate_pem"])


def test_an_api_key_assigns_its_certificate_and_patches_install_configs(client):
    account = new_account(client)
    _ca, _acct, cert = self_ca_certificate(client, account)
    issue(client, account, cert["id"])
    device = agent(client, account)
    _kid, key = api_key(client, account, [{"obtype": "certificates", "obid": str(cert["id"]), "actions": ["read"]},
                                          {"obtype": "ForInstallConfigUpdate", "obid": device.public_id,
                                           "actions": ["update"]}])
    assigned = client.post("/apiv1/me/certificate-assign", {"device_public_id": device.public_id},
                           headers=bearer(key))
    assert assigned.status == 200, assigned.text
    assert assigned.json["data"] == {**assigned.json["data"], "cert_id": cert["id"], "device_id": device.device_id,
                                     "wrap_ready": True}
    other = client.post("/apiv1/me/certificate-assign", {"device_public_id": device.public_id, "cert_id": 999999},
                        headers=bearer(key))
    assert other.status == 403
    assert client.post("/apiv1/me/certificate-assign", {"device_public_id": "nobody"},
                       headers=bearer(key)).status == 404
    assert client.post("/apiv1/me/certificate-assign", {"device_public_id": device.public_id},
                       headers=account.headers).status == 401
    # install-config-update: a new item from a patch with an id and a type, then a legacy list patch
    path = f"/apiv1/me/install-config-update/{device.public_id}"
    first = client.post(path, {"patches": [{"ob_type": "cert", "ob_id": cert["id"], "id": "deploy", "type": "copy",
                                            "from": ["fullchain.pem", "private.key"],
                                            "to": ["/etc/nginx/cert.pem", "/etc/nginx/key.pem"]}],
                               "after_update_script": "systemctl reload nginx"}, headers=bearer(key))
    assert first.status == 200, first.text
    assert first.json["data"]["version"] == 1
    assert first.json["data"]["after_update_script"] == "systemctl reload nginx"
    second = client.post(path, [{"ob_type": "cert", "ob_id": cert["id"], "changes": {"enabled": False},
                                 "details": {"ignored": True}, "colour": "blue"}], headers=bearer(key))
    assert second.status == 200, second.text
    items = second.json["data"]["installs"]
    assert items == [{"ob_type": "cert", "ob_id": cert["id"], "id": "deploy", "type": "copy", "enabled": False,
                      "from": ["fullchain.pem", "private.key"], "to": ["/etc/nginx/cert.pem", "/etc/nginx/key.pem"]}]
    assert second.json["data"]["after_update_script"] == "systemctl reload nginx"  # kept
    assert client.post(path, [{"ob_type": "cert", "ob_id": cert["id"], "cmd": "rm -rf /"}],
                       headers=bearer(key)).status == 400
    assert client.post(path, [{"ob_type": "ca", "ob_id": 5, "enabled": False}], headers=bearer(key)).status == 404
    assert client.post("/apiv1/me/install-config-update/someone-else", [], headers=bearer(key)).status == 403
    told, _ = signals(client, device)
    types = [s["type"] for s in told]
    assert types.count("install.updated") == 2
    assert "cert.updated" in types
    history = client.get(f"/apiv1/users/{account.user_id}/devices/{device.device_id}/install-config-histories",
                         headers=account.headers).json
    assert history["total"] == 2
    assert history["data"][0]["updated_by"].startswith("apikey:")
