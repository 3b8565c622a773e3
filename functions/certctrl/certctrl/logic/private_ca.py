"""Users' own certificate authorities (`/apiv1/users/{uid}/cas`), signing in-process with `cryptography`.

* `CaRequest.from_body()` reads the contract's create body: name, algorithm ECDSA|RSA, key_size, curve_name
  ("prime256v1" | "secp384r1"), country (ISO-2), organization, organizational_unit, common_name, state, locality,
  valid_days (default 3650), max_path_length (default 0), key_usage (default "keyCertSign,cRLSign").
* `create_ca()` makes a root (self-signed) or, given a parent `Issuer`, an intermediate: BasicConstraints
  (critical, CA, path length), KeyUsage (critical), SubjectKeyIdentifier, AuthorityKeyIdentifier. Its private key
  comes back in `CaMaterial.private_key_pem`: the store seals it (store/key_vault, field "ca_private_key") before
  anything is written; `contract_fields()` is the response's extra fields (`enc_scheme` 1: the sealed form).
* Serial numbers of CAs are 64 bits: the creation time in milliseconds (48 bits) then 16 random bits, shown as 16
  lower-case hex digits (the contract's sample `0199a9cfdf723003` is 2025-10-03T11:23:16.722Z + 0x3003). Leaf serials
  are 159 random bits (`x509.random_serial_number`), shown colon-separated upper-case hex ("3F:AA:...").
* `issue_leaf()` is the synchronous issuance of `POST /cas/{ca_id}/issue` and of SELF_CA accounts: SANs, EKU
  (serverAuth by default), validity clipped to the CA's own, a fresh key (or the caller's public key).
* `ca_bundle()` is the CA certificate with the issuers above it (ca.pem of the agent's install items), and
  `bundle_payload()` the device CA bundle answer.
"""

from __future__ import annotations

import base64
import datetime
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from certctrl.logic import pki

DEFAULT_VALID_DAYS = 3650
MAX_VALID_DAYS = 36500
MAX_PATH_LENGTH = 8
DEFAULT_KEY_USAGE = "keyCertSign,cRLSign"
BACKDATE = datetime.timedelta(minutes=5)  # tolerate clocks a little behind ours
_KEY_USAGE_NAMES = ("digitalSignature", "contentCommitment", "keyEncipherment", "dataEncipherment",
                    "keyAgreement", "keyCertSign", "cRLSign")
_KEY_USAGE_ARGS = {
    "digitalSignature": "digital_signature",
    "contentCommitment": "content_commitment",
    "nonRepudiation": "content_commitment",
    "keyEncipherment": "key_encipherment",
    "dataEncipherment": "data_encipherment",
    "keyAgreement": "key_agreement",
    "keyCertSign": "key_cert_sign",
    "cRLSign": "crl_sign",
}
EXTENDED_KEY_USAGES = {
    "serverAuth": ExtendedKeyUsageOID.SERVER_AUTH,
    "clientAuth": ExtendedKeyUsageOID.CLIENT_AUTH,
    "codeSigning": ExtendedKeyUsageOID.CODE_SIGNING,
    "emailProtection": ExtendedKeyUsageOID.EMAIL_PROTECTION,
}


class CaError(pki.PkiError):
    """A CA request or issuance that cannot be done. Safe to show."""


# ---------------------------------------------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------------------------------------------


def parse_key_usage(text: str | None) -> tuple[str, ...]:
    """"keyCertSign,cRLSign" → ("keyCertSign", "cRLSign"); a CA's key usage must include keyCertSign."""
    raw = DEFAULT_KEY_USAGE if text is None or not str(text).strip() else str(text)
    names = []
    for part in raw.split(","):
        name = part.strip()
        canonical = next((n for n in _KEY_USAGE_ARGS if n.lower() == name.lower()), None)
        if canonical is None:
            raise CaError(f"unknown key usage {name!r} (use {', '.join(_KEY_USAGE_NAMES)})")
        canonical = "contentCommitment" if canonical == "nonRepudiation" else canonical
        if canonical not in names:
            names.append(canonical)
    if "keyCertSign" not in names:
        raise CaError("a CA's key_usage must include keyCertSign")
    return tuple(names)


def _key_usage(names: Iterable[str]) -> x509.KeyUsage:
    flags = dict.fromkeys(set(_KEY_USAGE_ARGS.values()), False)
    for name in names:
        flags[_KEY_USAGE_ARGS[name]] = True
    return x509.KeyUsage(encipher_only=False, decipher_only=False, **flags)


@dataclass(frozen=True)
class CaRequest:
    name: str
    key: pki.KeySpec
    subject: pki.Subject
    valid_days: int = DEFAULT_VALID_DAYS
    max_path_length: int = 0
    key_usage: tuple[str, ...] = ("keyCertSign", "cRLSign")

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> CaRequest:
        name = str(body.get("name") or "").strip()
        if not name or len(name) > 128:
            raise CaError("name is required (at most 128 characters)")
        common_name = str(body.get("common_name") or "").strip() or name[:pki.MAX_CN_LENGTH]
        try:
            subject = pki.Subject.from_fields(
                common_name=common_name, organization=body.get("organization"),
                organizational_unit=body.get("organizational_unit"), country=body.get("country"),
                state=body.get("state"), locality=body.get("locality"))
            key = pki.key_spec(body.get("algorithm"), body.get("key_size"), body.get("curve_name"))
        except CaError:
            raise
        except pki.PkiError as exc:
            raise CaError(str(exc)) from None
        valid_days = _int(body.get("valid_days"), DEFAULT_VALID_DAYS, "valid_days")
        if not 1 <= valid_days <= MAX_VALID_DAYS:
            raise CaError(f"valid_days must be between 1 and {MAX_VALID_DAYS}")
        path_length = _int(body.get("max_path_length"), 0, "max_path_length")
        if not 0 <= path_length <= MAX_PATH_LENGTH:
            raise CaError(f"max_path_length must be between 0 and {MAX_PATH_LENGTH}")
        return cls(name, key, subject, valid_days, path_length, parse_key_usage(body.get("key_usage")))


def _int(value: Any, default: int, name: str) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise CaError(f"{name} must be an integer")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise CaError(f"{name} must be an integer") from None


# ---------------------------------------------------------------------------------------------------------------
# Serial numbers
# ---------------------------------------------------------------------------------------------------------------


def ca_serial(now_ms: int, random16: int | None = None) -> int:
    """48 bits of milliseconds, then 16 random bits (the contract's sample serials)."""
    low = secrets.randbits(16) if random16 is None else random16
    if not 0 <= now_ms < 1 << 48 or not 0 <= low < 1 << 16:
        raise ValueError("serial parts out of range")
    serial = (now_ms << 16) | low
    return serial or 1  # RFC 5280: positive


def format_ca_serial(serial: int) -> str:
    return f"{serial:016x}"


def format_leaf_serial(serial: int) -> str:
    text = f"{serial:X}"
    text = "0" + text if len(text) % 2 else text
    return ":".join(text[i:i + 2] for i in range(0, len(text), 2))


# ---------------------------------------------------------------------------------------------------------------
# CAs
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Issuer:
    """A stored CA as the signer: its certificate, its (opened) private key, and the issuers above it."""

    certificate_pem: bytes
    private_key_pem: bytes = field(repr=False)
    chain_pem: bytes = b""  # the CA's own issuers, nearest first; empty for a root

    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.certificate_pem)

    def key(self) -> pki.PrivateKey:
        return pki.load_private_key(self.private_key_pem)

    def path_length(self) -> int | None:
        return self.certificate().extensions.get_extension_for_class(x509.BasicConstraints).value.path_length


@dataclass(frozen=True)
class CaMaterial:
    certificate_pem: bytes
    certificate_der: bytes
    private_key_pem: bytes = field(repr=False)  # seal before storing
    chain_pem: bytes  # issuers above this CA (empty for a root)
    serial: int
    not_before: int  # epoch seconds
    not_after: int
    request: CaRequest

    @property
    def serial_number(self) -> str:
        return format_ca_serial(self.serial)

    def as_issuer(self) -> Issuer:
        return Issuer(self.certificate_pem, self.private_key_pem, self.chain_pem)

    def contract_fields(self) -> dict[str, Any]:
        """The fields the CA create answer adds to the request's (timestamps in milliseconds)."""
        req = self.request
        return {
            "name": req.name,
            "algorithm": req.key.algorithm,
            "key_size": req.key.bits,
            "curve_name": req.key.curve,
            "country": req.subject.country or None,
            "organization": req.subject.organization or None,
            "organizational_unit": req.subject.organizational_unit or None,
            "common_name": req.subject.common_name,
            "state": req.subject.state or None,
            "locality": req.subject.locality or None,
            "valid_days": req.valid_days,
            "max_path_length": req.max_path_length,
            "key_usage": ",".join(req.key_usage),
            "serial_number": self.serial_number,
            "enc_scheme": 1,
            "ca_certificate_pem": self.certificate_pem.decode("ascii"),
            "status": "ACTIVE",
            "not_before": self.not_before * 1000,
            "not_after": self.not_after * 1000,
            "issued_cert_count": 0,
            "last_used_at": None,
        }


def _now(now: datetime.datetime | int | float) -> datetime.datetime:
    if isinstance(now, datetime.datetime):
        return now.astimezone(datetime.UTC)
    return datetime.datetime.fromtimestamp(now, tz=datetime.UTC)


def _ski(key: Any) -> x509.SubjectKeyIdentifier:
    return x509.SubjectKeyIdentifier.from_public_key(key.public_key() if hasattr(key, "private_bytes") else key)


def create_ca(request: CaRequest, *, now: datetime.datetime | int | float, parent: Issuer | None = None) -> CaMaterial:
    """A root CA, or an intermediate under `parent` (whose path length must leave room for it)."""
    moment = _now(now)
    key = pki.generate_private_key(request.key)
    serial = ca_serial(int(moment.timestamp() * 1000))
    not_before = moment - BACKDATE
    not_after = moment + datetime.timedelta(days=request.valid_days)
    subject = request.subject.name()
    if parent is None:
        issuer_name, signer, issuer_key_public = subject, key, key.public_key()
        chain = b""
    else:
        parent_cert = parent.certificate()
        parent_len = parent.path_length()
        if parent_len is not None and parent_len < 1:
            raise CaError("the parent CA's max_path_length 0 allows no intermediate CA")
        if parent_len is not None and request.max_path_length > parent_len - 1:
            raise CaError(f"max_path_length must be at most {parent_len - 1} under this parent")
        not_before = max(not_before, parent_cert.not_valid_before_utc)
        not_after = min(not_after, parent_cert.not_valid_after_utc)
        if not_after <= moment:
            raise CaError("the parent CA has expired")
        issuer_name, signer, issuer_key_public = parent_cert.subject, parent.key(), parent_cert.public_key()
        chain = parent.certificate_pem + parent.chain_pem
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=request.max_path_length), critical=True)
        .add_extension(_key_usage(request.key_usage), critical=True)
        .add_extension(_ski(key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key_public),  # type: ignore[arg-type]
                       critical=False)
    )
    cert = builder.sign(signer, pki.spec_of(signer).hash_algorithm())
    return CaMaterial(
        certificate_pem=cert.public_bytes(serialization.Encoding.PEM),
        certificate_der=cert.public_bytes(serialization.Encoding.DER),
        private_key_pem=pki.private_key_pem(key),
        chain_pem=chain,
        serial=serial,
        not_before=int(not_before.timestamp()),
        not_after=int(not_after.timestamp()),
        request=request,
    )


# ---------------------------------------------------------------------------------------------------------------
# Leaves
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeafRequest:
    domain_name: str
    sans: tuple[str, ...] = ()
    validity_seconds: int = 90 * 86400
    key: pki.KeySpec = pki.DEFAULT_KEY
    subject: pki.Subject = pki.NO_SUBJECT
    extended_key_usage: tuple[str, ...] = ("serverAuth",)
    public_key: Any = None  # the caller's own public key (no private key is made then)


@dataclass(frozen=True)
class LeafMaterial:
    certificate_pem: bytes
    chain_pem: bytes  # the issuing CA, then its issuers
    private_key_pem: bytes | None = field(repr=False)  # None when the caller brought its public key
    serial: int
    not_before: int
    not_after: int
    names: tuple[str, ...]

    @property
    def fullchain_pem(self) -> bytes:
        return self.certificate_pem + self.chain_pem

    @property
    def serial_number(self) -> str:
        return format_leaf_serial(self.serial)


def issue_leaf(issuer: Issuer, request: LeafRequest, *, now: datetime.datetime | int | float) -> LeafMaterial:
    moment = _now(now)
    ca_cert = issuer.certificate()
    if ca_cert.not_valid_after_utc <= moment:
        raise CaError("the CA has expired")
    if request.validity_seconds <= 0:
        raise CaError("validity_seconds must be positive")
    unknown = [e for e in request.extended_key_usage if e not in EXTENDED_KEY_USAGES]
    if unknown or not request.extended_key_usage:
        raise CaError(f"extended key usage must be among {', '.join(EXTENDED_KEY_USAGES)}")
    names = pki.identifiers(request.domain_name, request.sans, allow_single_label=True)
    if request.public_key is not None:
        public_key, private_pem = request.public_key, None
    else:
        private_key = pki.generate_private_key(request.key)
        public_key, private_pem = private_key.public_key(), pki.private_key_pem(private_key)
    not_before = max(moment - BACKDATE, ca_cert.not_valid_before_utc)
    not_after = min(moment + datetime.timedelta(seconds=request.validity_seconds), ca_cert.not_valid_after_utc)
    first = names[0].value
    subject = request.subject
    if not subject.common_name and len(first) <= pki.MAX_CN_LENGTH:
        subject = pki.Subject(first, subject.organization, subject.organizational_unit, subject.country,
                              subject.state, subject.locality)
    signer = issuer.key()
    usage = {"digitalSignature"} | ({"keyEncipherment"} if isinstance(public_key, rsa.RSAPublicKey) else set())
    if not isinstance(public_key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
        raise CaError("only ECDSA and RSA keys can be certified")
    serial = x509.random_serial_number()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject.name())
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(sorted(usage)), critical=True)
        .add_extension(x509.ExtendedKeyUsage([EXTENDED_KEY_USAGES[e] for e in request.extended_key_usage]),
                       critical=False)
        .add_extension(x509.SubjectAlternativeName([n.general_name() for n in names]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),  # type: ignore[arg-type]
                       critical=False)
    )
    cert = builder.sign(signer, pki.spec_of(signer).hash_algorithm())
    return LeafMaterial(
        certificate_pem=cert.public_bytes(serialization.Encoding.PEM),
        chain_pem=issuer.certificate_pem + issuer.chain_pem,
        private_key_pem=private_pem,
        serial=serial,
        not_before=int(not_before.timestamp()),
        not_after=int(not_after.timestamp()),
        names=tuple(n.value for n in names),
    )


# ---------------------------------------------------------------------------------------------------------------
# Bundles
# ---------------------------------------------------------------------------------------------------------------


def ca_bundle(issuer: Issuer) -> bytes:
    """The CA certificate followed by its issuers (PEM): ca.pem for devices that must trust the CA."""
    return issuer.certificate_pem + issuer.chain_pem


def bundle_payload(ca: Mapping[str, Any], certificate_pem: bytes | str) -> dict[str, Any]:
    """`GET /apiv1/devices/self/cas/{ca_id}/bundle`'s data, from a stored CA record (its contract fields)."""
    pem = certificate_pem.encode("ascii") if isinstance(certificate_pem, str) else certificate_pem
    der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
    return {
        "id": ca.get("id"),
        "name": ca.get("name"),
        "serial_number": ca.get("serial_number"),
        "status": ca.get("status", "ACTIVE"),
        "algorithm": ca.get("algorithm"),
        "key_size": ca.get("key_size"),
        "valid_days": ca.get("valid_days"),
        "ca_certificate_pem": pem.decode("ascii"),
        "ca_certificate_der_b64": base64.b64encode(der).decode("ascii"),
    }
