"""Delivery crypto (logic/delivery_crypto.py), checked the way the cert-ctrl agent reads it: a device key pair made
with PyNaCl opens its sealed data key, AES-256-GCM with the separate tag opens the private key, and the key matches
the certificate; every device of a re-wrap decrypts; the ZIP export and its PKCS#12 open with the password."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import time
import zipfile

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import load_der_private_key, load_pem_private_key, pkcs12
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, SealedBox

from certctrl.logic import delivery_crypto as dc
from certctrl.logic import pki, private_ca
from certctrl.logic.delivery_crypto import DeployDecision, DeviceKey, KeyDistributionPolicy

NOW = time.time()


class Agent:
    """What the C++ agent does with deploy-materials, in Python: libsodium's sealed box and AES-256-GCM."""

    def __init__(self, device_id: str) -> None:
        self.device_id = device_id
        self.secret = PrivateKey.generate()  # crypto_box_keypair

    @property
    def dev_pk(self) -> bytes:
        return bytes(self.secret.public_key)

    @property
    def dev_pk_b64(self) -> str:
        return base64.b64encode(self.dev_pk).decode()

    def decrypt(self, data: dict) -> bytes:
        assert data["wrap_alg"] == "x25519-v1"
        assert data["enc_scheme"] == "aes256gcm"
        keyfp = base64.b64decode(data["device_keyfp_b64"])
        assert keyfp == hashlib.blake2b(self.dev_pk, digest_size=32).digest(), "the agent rejects a foreign wrap"
        data_key = SealedBox(self.secret).decrypt(base64.b64decode(data["enc_data_key_b64"]))
        ciphertext = base64.b64decode(data["enc_privkey_b64"])
        tag = base64.b64decode(data["privkey_tag_b64"])
        nonce = base64.b64decode(data["privkey_nonce_b64"])
        assert len(tag) == 16
        assert len(nonce) == 12
        return AESGCM(data_key).decrypt(nonce, ciphertext + tag, None)


@pytest.fixture(scope="module")
def issued():
    ca = private_ca.create_ca(private_ca.CaRequest.from_body({"name": "delivery ca"}), now=NOW)
    leaf = private_ca.issue_leaf(ca.as_issuer(), private_ca.LeafRequest("app.example.com", ("www.example.com",)),
                                 now=NOW)
    return leaf, pki.load_private_key(leaf.private_key_pem)


def test_a_device_decrypts_its_materials_and_the_key_matches_the_certificate(issued):
    leaf, key = issued
    agent = Agent("d1")
    data_key = dc.new_data_key()
    encrypted = dc.encrypt_private_key(pki.private_key_der(key), data_key)
    wrap = dc.wrap_for_device(data_key, DeviceKey("d1", agent.dev_pk))
    assert len(wrap.enc_data_key) == dc.SEALED_KEY_BYTES
    assert wrap.wrap_alg == "x25519"
    materials = dc.aead_materials(encrypted, wrap)
    der = agent.decrypt(materials)
    opened = load_der_private_key(der, password=None)
    assert pki.key_matches_certificate(opened, x509.load_pem_x509_certificate(leaf.certificate_pem))
    assert base64.b64decode(materials["enc_privkey_b64"]) == encrypted.ciphertext  # ciphertext only, no tag
    assert len(encrypted.ciphertext) == len(der)


def test_two_devices_both_decrypt_after_a_rewrap(issued):
    _leaf, key = issued
    first, second = Agent("d1"), Agent("d2")
    old_key = dc.new_data_key()
    dc.wrap_for_device(old_key, DeviceKey("d1", first.dev_pk))
    # Renewal or a new assignment: a new data key, and a wrap for EVERY device of the certificate.
    new_key = dc.new_data_key()
    encrypted = dc.encrypt_private_key(pki.private_key_der(key), new_key)
    wraps = dc.wrap_for_devices(new_key, [DeviceKey("d1", first.dev_pk), DeviceKey("d2", second.dev_pk)])
    assert [w.device_id for w in wraps] == ["d1", "d2"]
    by_device = {w.device_id: w for w in wraps}
    assert first.decrypt(dc.aead_materials(encrypted, by_device["d1"])) == pki.private_key_der(key)
    assert second.decrypt(dc.aead_materials(encrypted, by_device["d2"])) == pki.private_key_der(key)
    # A device whose wrap is sealed to someone else cannot open it.
    with pytest.raises(CryptoError):
        SealedBox(first.secret).decrypt(by_device["d2"].enc_data_key)


def test_prepare_install_wraps_for_every_assigned_device(issued):
    _leaf, key = issued
    agents = [Agent(f"d{i}") for i in range(3)]
    install = dc.prepare_install(pki.private_key_der(key), [DeviceKey(a.device_id, a.dev_pk) for a in agents],
                                 generation=5)
    assert install.encrypted.generation == 5
    assert [w.device_id for w in install.wraps] == ["d0", "d1", "d2"]
    assert {w.generation for w in install.wraps} == {5}
    for agent, wrap in zip(agents, install.wraps, strict=True):
        assert agent.decrypt(dc.aead_materials(install.encrypted, wrap)) == pki.private_key_der(key)
    assert dc.decrypt_private_key(install.encrypted, install.data_key) == pki.private_key_der(key)
    assert install.data_key.hex() not in repr(install)
    assert repr(install.data_key) not in repr(install)


def test_a_stale_wrap_breaks_the_gcm_tag_which_is_why_every_row_is_rewrapped(issued):
    _leaf, key = issued
    agent = Agent("d1")
    stale = dc.wrap_for_device(dc.new_data_key(), DeviceKey("d1", agent.dev_pk))
    encrypted = dc.encrypt_private_key(pki.private_key_der(key), dc.new_data_key())
    with pytest.raises(InvalidTag):
        agent.decrypt(dc.aead_materials(encrypted, stale))
    with pytest.raises(dc.DeliveryError, match="GCM tag"):
        dc.decrypt_private_key(encrypted, dc.new_data_key())


def test_records_round_trip():
    agent = Agent("d1")
    data_key = dc.new_data_key()
    encrypted = dc.encrypt_private_key(b"der bytes", data_key)
    assert dc.EncryptedKey.from_record(json.loads(json.dumps(encrypted.to_record()))) == encrypted
    assert encrypted.to_record()["enc_scheme"] == 1
    wrap = dc.wrap_for_device(data_key, DeviceKey("d1", agent.dev_pk))
    assert dc.DeviceWrap.from_record(json.loads(json.dumps(wrap.to_record()))) == wrap
    assert dc.decrypt_private_key(encrypted, data_key) == b"der bytes"
    with pytest.raises(dc.DeliveryError):
        dc.EncryptedKey.from_record({**encrypted.to_record(), "privkey_nonce": base64.b64encode(b"short").decode()})


def test_pending_sentinel():
    agent = Agent("d1")
    pending = dc.pending_wrap(DeviceKey("d1", agent.dev_pk))
    assert pending.enc_data_key == bytes(48)
    assert pending.pending
    assert pending.device_keyfp == hashlib.blake2b(agent.dev_pk, digest_size=32).digest()
    with pytest.raises(dc.DeliveryError, match="WRAP_PENDING"):
        dc.aead_materials(dc.encrypt_private_key(b"k", dc.new_data_key()), pending)


def test_device_keys_are_checked():
    agent = Agent("d1")
    assert dc.device_public_key(agent.dev_pk_b64) == agent.dev_pk
    assert dc.device_keyfp(agent.dev_pk_b64) == dc.device_keyfp(agent.dev_pk)
    with pytest.raises(dc.DeliveryError, match="32-byte"):
        dc.device_public_key(base64.b64encode(b"x" * 31).decode())
    with pytest.raises(dc.DeliveryError, match="base64"):
        dc.device_public_key("not base64!")
    with pytest.raises(dc.DeliveryError, match="32 bytes"):
        dc.seal_data_key(b"short", agent.dev_pk)


def test_a_wrap_of_the_previous_data_key_waits_for_its_rewrap(issued):
    _leaf, key = issued
    agent = Agent("d1")
    old_key, new_key = dc.new_data_key(), dc.new_data_key()
    old_wrap = dc.wrap_for_device(old_key, DeviceKey("d1", agent.dev_pk), generation=1)
    renewed = dc.encrypt_private_key(pki.private_key_der(key), new_key, generation=2)
    assert dc.EncryptedKey.from_record(renewed.to_record()).generation == 2
    decision = dc.deploy_decision("HYBRID", has_encrypted_key=True, wrap=old_wrap, device_pk=agent.dev_pk,
                                  key_generation=renewed.generation)
    assert decision is DeployDecision.WRAP_PENDING  # serving it would fail the GCM tag on the device
    [new_wrap] = dc.wrap_for_devices(new_key, [DeviceKey("d1", agent.dev_pk)], generation=renewed.generation)
    assert dc.DeviceWrap.from_record(new_wrap.to_record()).generation == 2
    assert dc.deploy_decision("HYBRID", has_encrypted_key=True, wrap=new_wrap, device_pk=agent.dev_pk,
                              key_generation=renewed.generation) is DeployDecision.AEAD
    assert agent.decrypt(dc.aead_materials(renewed, new_wrap)) == pki.private_key_der(key)
    with pytest.raises(InvalidTag):
        agent.decrypt(dc.aead_materials(renewed, old_wrap))


@pytest.mark.parametrize(("policy", "has_key", "wrap", "export", "expected"), [
    ("HYBRID", True, "ready", False, DeployDecision.AEAD),
    ("HYBRID", True, "pending", False, DeployDecision.WRAP_PENDING),
    ("HYBRID", True, None, True, DeployDecision.WRAP_PENDING),
    ("HYBRID", True, "stale", False, DeployDecision.WRAP_PENDING),
    ("DEVICE_REQUIRED", True, "ready", False, DeployDecision.AEAD),
    ("DEVICE_REQUIRED", True, None, False, DeployDecision.WRAP_PENDING),
    ("MASTER_ONLY", True, "ready", True, DeployDecision.PLAINTEXT),
    ("MASTER_ONLY", True, None, False, DeployDecision.EXPORT_FORBIDDEN),
    ("HYBRID", False, "ready", True, DeployDecision.NOT_AVAILABLE),
    (None, True, "ready", False, DeployDecision.AEAD),
])
def test_deploy_decisions(policy, has_key, wrap, export, expected):
    agent, other = Agent("d1"), Agent("d1-old")
    data_key = dc.new_data_key()
    wraps = {
        "ready": dc.wrap_for_device(data_key, DeviceKey("d1", agent.dev_pk)),
        "pending": dc.pending_wrap(DeviceKey("d1", agent.dev_pk)),
        "stale": dc.wrap_for_device(data_key, DeviceKey("d1", other.dev_pk)),  # sealed to the device's old key
        None: None,
    }
    decision = dc.deploy_decision(policy, has_encrypted_key=has_key, wrap=wraps[wrap], device_pk=agent.dev_pk,
                                  server_decrypt_export=export)
    assert decision is expected


def test_policy_names():
    assert KeyDistributionPolicy.parse(None) is KeyDistributionPolicy.HYBRID
    assert KeyDistributionPolicy.parse("master_only") is KeyDistributionPolicy.MASTER_ONLY
    with pytest.raises(dc.DeliveryError):
        KeyDistributionPolicy.parse("EVERYONE")


def test_plaintext_materials():
    data = dc.plaintext_materials(b"\x30\x01", "PEM")
    assert data == {"enc_scheme": "plaintext", "private_key_der_b64": base64.b64encode(b"\x30\x01").decode(),
                    "certificate_pem": "PEM"}


def test_the_zip_export_has_seven_files_and_its_pkcs12_opens_with_the_password(issued):
    leaf, key = issued
    bundle = dc.build_export(cert_id="42", domain_name="app.example.com", private_key=key,
                             fullchain_pem=leaf.fullchain_pem)
    assert bundle.filename == "cert-42.zip"
    assert len(bundle.password) >= 32
    assert bundle.password not in repr(bundle)
    with zipfile.ZipFile(io.BytesIO(bundle.content)) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == list(dc.EXPORT_FILES)
        files = {name: archive.read(name) for name in archive.namelist()}
    for content in files.values():
        assert bundle.password.encode() not in content
    assert load_pem_private_key(files["private.key"], password=None).private_numbers() == key.private_numbers()
    leaf_cert = x509.load_pem_x509_certificate(files["certificate.pem"])
    assert x509.load_der_x509_certificate(files["certificate.der"]) == leaf_cert
    assert files["fullchain.pem"] == files["certificate.pem"] + files["chain.pem"]
    assert x509.load_pem_x509_certificate(files["chain.pem"]).subject == leaf_cert.issuer
    meta = json.loads(files["meta.json"])
    assert meta["cert_id"] == "42"
    assert meta["serial_number"] == format(leaf_cert.serial_number, "x")
    p12 = pkcs12.load_pkcs12(files["bundle.pfx"], bundle.password.encode())
    assert p12.key.private_numbers() == key.private_numbers()
    assert p12.cert.certificate == leaf_cert
    assert p12.cert.friendly_name == b"app.example.com"
    assert [c.certificate.subject for c in p12.additional_certs] == [leaf_cert.issuer]
    with pytest.raises(ValueError, match="Invalid password"):
        pkcs12.load_pkcs12(files["bundle.pfx"], b"wrong password")


def test_every_export_gets_a_new_password(issued):
    leaf, key = issued
    one = dc.build_export(cert_id="1", domain_name="a", private_key=key, fullchain_pem=leaf.fullchain_pem)
    two = dc.build_export(cert_id="1", domain_name="a", private_key=key, fullchain_pem=leaf.fullchain_pem)
    assert one.password != two.password


def test_an_export_without_a_chain_still_has_seven_files():
    ca = private_ca.create_ca(private_ca.CaRequest.from_body({"name": "c"}), now=NOW)
    leaf = private_ca.issue_leaf(ca.as_issuer(), private_ca.LeafRequest("a.example.com"), now=NOW)
    bundle = dc.build_export(cert_id="7", domain_name="a.example.com", private_key=leaf.private_key_pem,
                             fullchain_pem=leaf.certificate_pem, meta={"password": "never", "acct_id": "3"})
    with zipfile.ZipFile(io.BytesIO(bundle.content)) as archive:
        assert archive.namelist() == list(dc.EXPORT_FILES)
        assert archive.read("chain.pem") == b""
        assert archive.read("fullchain.pem") == archive.read("certificate.pem")
        meta = json.loads(archive.read("meta.json"))
    assert "password" not in meta
    assert meta["acct_id"] == "3"


def test_an_export_refuses_a_key_of_another_certificate(issued):
    leaf, _key = issued
    with pytest.raises(dc.DeliveryError, match="does not belong"):
        dc.build_export(cert_id="1", domain_name="a", private_key=ec.generate_private_key(ec.SECP256R1()),
                        fullchain_pem=leaf.fullchain_pem)


def test_materials_leave_no_plaintext(issued):
    leaf, key = issued
    agent = Agent("d1")
    data_key = dc.new_data_key()
    der = pki.private_key_der(key)
    materials = dc.aead_materials(dc.encrypt_private_key(der, data_key),
                                  dc.wrap_for_device(data_key, DeviceKey("d1", agent.dev_pk)))
    text = json.dumps(materials)
    assert base64.b64encode(der).decode() not in text
    assert base64.b64encode(data_key).decode() not in text
    assert leaf.certificate_pem.decode() not in text
