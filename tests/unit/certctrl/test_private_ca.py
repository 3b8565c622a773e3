"""Private CAs (logic/private_ca.py) and the X.509 helpers (logic/pki.py): leaves that `cryptography`'s own path
validation accepts, the contract's fields and serials, and the refusals."""

from __future__ import annotations

import base64
import datetime
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from certctrl.logic import pki, private_ca
from certctrl.logic.private_ca import CaError, CaRequest, LeafRequest

NOW = time.time()
ROOT_BODY = {
    "name": "first ca", "algorithm": "ECDSA", "key_size": 256, "curve_name": "prime256v1", "country": "cn",
    "organization": "org", "organizational_unit": "", "common_name": "common name", "state": "", "locality": "",
    "valid_days": 3650, "max_path_length": 0, "key_usage": "keyCertSign,cRLSign",
}


def cert(pem: bytes) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem)


def verify(leaf_pem: bytes, root_pem: bytes, name: str, intermediates: list[bytes] = ()) -> list[x509.Certificate]:
    verifier = (PolicyBuilder().store(Store([cert(root_pem)])).time(datetime.datetime.now(datetime.UTC))
                .build_server_verifier(x509.DNSName(name)))
    return verifier.verify(cert(leaf_pem), [cert(p) for p in intermediates])


@pytest.fixture(scope="module")
def root() -> private_ca.CaMaterial:
    return private_ca.create_ca(CaRequest.from_body(ROOT_BODY), now=NOW)


def test_a_root_ca_has_the_contract_fields_and_a_ca_profile(root):
    fields = root.contract_fields()
    assert fields["status"] == "ACTIVE"
    assert fields["enc_scheme"] == 1
    assert fields["algorithm"] == "ECDSA"
    assert fields["key_size"] == 256
    assert fields["curve_name"] == "prime256v1"
    assert fields["country"] == "CN"
    assert fields["organizational_unit"] is None
    assert fields["key_usage"] == "keyCertSign,cRLSign"
    assert fields["issued_cert_count"] == 0
    assert fields["last_used_at"] is None
    assert fields["ca_certificate_pem"].startswith("-----BEGIN CERTIFICATE-----")
    assert fields["not_after"] - fields["not_before"] >= 3650 * 86400 * 1000
    c = cert(root.certificate_pem)
    assert c.issuer == c.subject
    assert c.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "common name"
    bc = c.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical
    assert bc.value.ca
    assert bc.value.path_length == 0
    ku = c.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical
    assert ku.value.key_cert_sign
    assert ku.value.crl_sign
    assert not ku.value.digital_signature
    c.verify_directly_issued_by(c)
    assert root.chain_pem == b""
    assert pki.key_matches_certificate(pki.load_private_key(root.private_key_pem), c)
    assert "PRIVATE KEY" not in repr(root)


def test_ca_serials_are_milliseconds_then_16_random_bits():
    serial = private_ca.ca_serial(1759490596722, 0x3003)
    assert private_ca.format_ca_serial(serial) == "0199a9cfdf723003"  # the contract's sample
    material = private_ca.create_ca(CaRequest.from_body({"name": "s"}), now=NOW)
    assert material.serial >> 16 == pytest.approx(int(NOW * 1000), abs=5000)
    assert len(material.serial_number) == 16
    assert cert(material.certificate_pem).serial_number == material.serial


def test_a_leaf_verifies_against_its_root_with_sans_and_eku(root):
    leaf = private_ca.issue_leaf(root.as_issuer(), LeafRequest(
        "dev.example.com", ("*.dev.example.com", "10.1.2.3"), 90 * 86400,
        extended_key_usage=("serverAuth", "clientAuth")), now=NOW)
    chain = verify(leaf.certificate_pem, root.certificate_pem, "api.dev.example.com")
    assert len(chain) == 2
    c = cert(leaf.certificate_pem)
    c.verify_directly_issued_by(cert(root.certificate_pem))
    sans = c.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == ["dev.example.com", "*.dev.example.com"]
    assert [str(ip) for ip in sans.get_values_for_type(x509.IPAddress)] == ["10.1.2.3"]
    eku = c.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
    assert not c.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert leaf.not_after - leaf.not_before == pytest.approx(90 * 86400 + 300, abs=2)
    assert leaf.chain_pem == root.certificate_pem
    assert pki.key_matches_certificate(pki.load_private_key(leaf.private_key_pem), c)
    assert int(leaf.serial_number.replace(":", ""), 16) == c.serial_number == leaf.serial
    assert all(len(part) == 2 and part == part.upper() for part in leaf.serial_number.split(":"))


def test_a_leaf_for_another_name_does_not_verify(root):
    leaf = private_ca.issue_leaf(root.as_issuer(), LeafRequest("dev.example.com"), now=NOW)
    with pytest.raises(VerificationError):
        verify(leaf.certificate_pem, root.certificate_pem, "other.example.com")


def test_a_leaf_from_another_ca_does_not_verify(root):
    other = private_ca.create_ca(CaRequest.from_body({"name": "other"}), now=NOW)
    leaf = private_ca.issue_leaf(other.as_issuer(), LeafRequest("dev.example.com"), now=NOW)
    with pytest.raises(VerificationError):
        verify(leaf.certificate_pem, root.certificate_pem, "dev.example.com")


def test_an_intermediate_chain_verifies():
    top = private_ca.create_ca(CaRequest.from_body({**ROOT_BODY, "max_path_length": 1, "algorithm": "RSA",
                                                    "key_size": 3072, "curve_name": None}), now=NOW)
    middle = private_ca.create_ca(CaRequest.from_body({"name": "issuing", "algorithm": "ECDSA", "key_size": 384}),
                                  now=NOW, parent=top.as_issuer())
    assert middle.chain_pem == top.certificate_pem
    assert cert(middle.certificate_pem).not_valid_after_utc <= cert(top.certificate_pem).not_valid_after_utc
    leaf = private_ca.issue_leaf(middle.as_issuer(), LeafRequest("svc.internal.example", key=pki.key_spec("RSA", 4096)),
                                 now=NOW)
    assert leaf.chain_pem == middle.certificate_pem + top.certificate_pem
    verify(leaf.certificate_pem, top.certificate_pem, "svc.internal.example", [middle.certificate_pem])
    assert private_ca.ca_bundle(middle.as_issuer()) == middle.certificate_pem + top.certificate_pem
    assert isinstance(pki.load_private_key(leaf.private_key_pem), rsa.RSAPrivateKey)
    leaf_key_usage = cert(leaf.certificate_pem).extensions.get_extension_for_class(x509.KeyUsage).value
    assert leaf_key_usage.key_encipherment  # RSA leaves may encipher keys


def test_path_length_zero_allows_no_intermediate(root):
    with pytest.raises(CaError, match="max_path_length 0"):
        private_ca.create_ca(CaRequest.from_body({"name": "sub"}), now=NOW, parent=root.as_issuer())


def test_a_leaf_never_outlives_its_ca():
    short = private_ca.create_ca(CaRequest.from_body({"name": "short", "valid_days": 1}), now=NOW)
    leaf = private_ca.issue_leaf(short.as_issuer(), LeafRequest("a.example.com", validity_seconds=315360000),
                                 now=NOW)
    assert leaf.not_after == short.not_after


def test_a_leaf_for_a_callers_public_key_has_no_private_key(root):
    mine = ec.generate_private_key(ec.SECP384R1())
    leaf = private_ca.issue_leaf(root.as_issuer(), LeafRequest("a.example.com", public_key=mine.public_key()),
                                 now=NOW)
    assert leaf.private_key_pem is None
    assert pki.key_matches_certificate(mine, cert(leaf.certificate_pem))


@pytest.mark.parametrize(("body", "message"), [
    ({"name": ""}, "name is required"),
    ({"name": "x", "algorithm": "DSA"}, "ECDSA or RSA"),
    ({"name": "x", "algorithm": "RSA", "key_size": 1024}, "2048, 3072 or 4096"),
    ({"name": "x", "algorithm": "ECDSA", "curve_name": "secp521r1"}, "prime256v1"),
    ({"name": "x", "algorithm": "ECDSA", "key_size": 384, "curve_name": "prime256v1"}, "does not match"),
    ({"name": "x", "country": "China"}, "two-letter"),
    ({"name": "x", "valid_days": 0}, "valid_days"),
    ({"name": "x", "valid_days": "ten"}, "integer"),
    ({"name": "x", "max_path_length": -1}, "max_path_length"),
    ({"name": "x", "key_usage": "cRLSign"}, "keyCertSign"),
    ({"name": "x", "key_usage": "keyCertSign,sign"}, "unknown key usage"),
])
def test_bad_ca_requests_are_refused_with_a_reason(body, message):
    with pytest.raises(CaError, match=message):
        CaRequest.from_body(body)


@pytest.mark.parametrize(("request_", "message"), [
    (LeafRequest("a.example.com", validity_seconds=0), "validity_seconds"),
    (LeafRequest("a.example.com", extended_key_usage=("anyPurpose",)), "extended key usage"),
    (LeafRequest("bad_name.example.com"), "invalid label"),
    (LeafRequest("a.*.example.com"), "leftmost"),
])
def test_bad_leaf_requests_are_refused(root, request_, message):
    with pytest.raises(pki.PkiError, match=message):
        private_ca.issue_leaf(root.as_issuer(), request_, now=NOW)


def test_bundle_payload_has_pem_and_der(root):
    payload = private_ca.bundle_payload({"id": "ca1", **root.contract_fields()}, root.certificate_pem)
    assert payload["ca_certificate_pem"] == root.certificate_pem.decode()
    assert x509.load_der_x509_certificate(base64.b64decode(payload["ca_certificate_der_b64"])) == cert(
        root.certificate_pem)
    assert payload["serial_number"] == root.serial_number


# -- pki helpers ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("args", "spec"), [
    ((None, None, None), pki.KeySpec("ECDSA", 256, "prime256v1")),
    (("ecdsa", 384, None), pki.KeySpec("ECDSA", 384, "secp384r1")),
    (("ECDSA", None, "P-384"), pki.KeySpec("ECDSA", 384, "secp384r1")),
    (("RSA", None, None), pki.KeySpec("RSA", 2048)),
    (("RSA", "4096", None), pki.KeySpec("RSA", 4096)),
])
def test_key_specs(args, spec):
    assert pki.key_spec(*args) == spec


def test_identifiers_are_normalised_and_unique():
    names = pki.identifiers("Example.COM.", ["www.example.com", "example.com", "2001:DB8::1", "*.Example.com"])
    assert [n.value for n in names] == ["example.com", "www.example.com", "2001:db8::1", "*.example.com"]
    assert [n.kind for n in names] == ["dns", "dns", "ip", "dns"]
    with pytest.raises(pki.PkiError, match="at most"):
        pki.identifiers("example.com", [f"h{i}.example.com" for i in range(100)])
    with pytest.raises(pki.PkiError, match="fully qualified"):
        pki.identifiers("localhost")
    assert pki.identifiers("localhost", allow_single_label=True)[0].value == "localhost"
    with pytest.raises(pki.PkiError, match="punycode"):
        pki.identifiers("bücher.example")
    with pytest.raises(pki.PkiError, match="list"):
        pki.identifiers("example.com", "www.example.com")


def test_csr_carries_names_subject_and_a_long_domain_without_cn():
    long_name = "a" * 60 + ".example.com"
    key = pki.generate_private_key()
    csr = x509.load_pem_x509_csr(pki.build_csr(key, pki.identifiers(long_name, ["b.example.com"]),
                                               pki.Subject.from_fields(organization="Org", locality="Paris")))
    assert csr.is_signature_valid
    assert csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME) == []
    assert csr.subject.get_attributes_for_oid(NameOID.LOCALITY_NAME)[0].value == "Paris"
    assert pki.csr_names(csr.public_bytes(Encoding.PEM)) == (long_name, "b.example.com")


def test_split_chain_and_info(root):
    leaf = private_ca.issue_leaf(root.as_issuer(), LeafRequest("a.example.com"), now=NOW)
    chain = pki.split_chain(leaf.fullchain_pem.decode().replace("\n", "\r\n"))
    assert chain.leaf_pem == leaf.certificate_pem
    assert chain.chain_pem == root.certificate_pem
    info = pki.certificate_info(chain.leaf())
    assert info.names == ("a.example.com",)
    assert info.serial_hex == format(leaf.serial, "x")
    with pytest.raises(pki.PkiError):
        pki.split_chain("no pem here")
