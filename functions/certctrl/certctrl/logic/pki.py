"""Keys, names, CSRs and PEM chains: the X.509 plumbing every certificate engine shares (pure `cryptography`).

* `KeySpec` is a leaf or CA key choice: ECDSA P-256 / P-384, or RSA 2048 / 3072 / 4096. `key_spec()` reads the
  contract's spellings (`algorithm` "ECDSA"|"RSA", `key_size`, `curve_name` "prime256v1"/"secp384r1"/"P-256", or an
  ACME account's `leaf_key_algorithm` / `leaf_rsa_bits` / `leaf_ec_curve`).
* `identifiers()` turns `domain_name` + `sans` into the certificate's names: lowercase, unique, the domain first,
  wildcards only as the whole leftmost label, IP addresses as IP identifiers.
* `Subject` holds the subject fields of the contract (organization, organizational_unit, country ISO-2, state,
  locality); `build_csr()` signs a CSR with them and the SANs.
* `split_chain()` / `certificate_info()` read what a CA sends back (leaf first, then its issuers).

Nothing here does I/O; private keys are returned as objects or PEM bytes and are never logged.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

ECDSA = "ECDSA"
RSA = "RSA"
RSA_BITS = (2048, 3072, 4096)
# Every spelling of the two curves we issue on, mapped to (canonical name, key size in bits).
_CURVES = {
    "prime256v1": ("prime256v1", 256),
    "secp256r1": ("prime256v1", 256),
    "p-256": ("prime256v1", 256),
    "p256": ("prime256v1", 256),
    "256": ("prime256v1", 256),
    "secp384r1": ("secp384r1", 384),
    "p-384": ("secp384r1", 384),
    "p384": ("secp384r1", 384),
    "384": ("secp384r1", 384),
}
_CURVE_BY_BITS = {256: "prime256v1", 384: "secp384r1"}
MAX_NAMES = 100  # Let's Encrypt's limit of names per certificate
MAX_CN_LENGTH = 64  # ub-common-name: a longer domain still goes in the SAN, the CN is left out


class PkiError(ValueError):
    """Bad input for a key, a name or a certificate. The message is safe to show to the caller."""


# ---------------------------------------------------------------------------------------------------------------
# Keys
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeySpec:
    """One key choice. `curve` is the canonical OpenSSL name for ECDSA ("prime256v1" | "secp384r1"), None for RSA."""

    algorithm: str  # "ECDSA" | "RSA"
    bits: int  # 256 / 384 for ECDSA, 2048 / 3072 / 4096 for RSA
    curve: str | None = None

    @property
    def label(self) -> str:
        return f"ECDSA {self.curve}" if self.algorithm == ECDSA else f"RSA {self.bits}"

    def hash_algorithm(self) -> hashes.HashAlgorithm:
        """SHA-384 for P-384 (the curve's strength), SHA-256 otherwise."""
        return hashes.SHA384() if self.curve == "secp384r1" else hashes.SHA256()


DEFAULT_KEY = KeySpec(ECDSA, 256, "prime256v1")


def key_spec(algorithm: str | None = None, key_size: int | str | None = None, curve_name: str | None = None) -> KeySpec:
    """The key a request asks for. ECDSA is the default (P-256 unless `key_size` 384 or a P-384 `curve_name`);
    RSA needs 2048, 3072 or 4096 bits (2048 when no size is given)."""
    algo = str(algorithm or ECDSA).strip().upper()
    if key_size not in (None, "", 0):
        try:
            key_size = int(key_size)
        except (TypeError, ValueError):
            raise PkiError("key_size must be an integer") from None
    if algo in ("EC", "ECC", "ECDSA"):
        if curve_name:
            canonical = _CURVES.get(str(curve_name).strip().lower())
            if canonical is None:
                raise PkiError("curve_name must be prime256v1 (P-256) or secp384r1 (P-384)")
            if key_size not in (None, "", 0) and int(key_size) != canonical[1]:
                raise PkiError("key_size does not match curve_name")
            return KeySpec(ECDSA, canonical[1], canonical[0])
        bits = int(key_size) if key_size not in (None, "", 0) else 256
        if bits not in _CURVE_BY_BITS:
            raise PkiError("ECDSA key_size must be 256 or 384")
        return KeySpec(ECDSA, bits, _CURVE_BY_BITS[bits])
    if algo == RSA:
        if curve_name:
            raise PkiError("curve_name applies to ECDSA keys only")
        bits = int(key_size) if key_size not in (None, "", 0) else 2048
        if bits not in RSA_BITS:
            raise PkiError("RSA key_size must be 2048, 3072 or 4096")
        return KeySpec(RSA, bits)
    raise PkiError("algorithm must be ECDSA or RSA")


def generate_private_key(spec: KeySpec = DEFAULT_KEY) -> PrivateKey:
    if spec.algorithm == ECDSA:
        curve = ec.SECP384R1() if spec.curve == "secp384r1" else ec.SECP256R1()
        return ec.generate_private_key(curve)
    return rsa.generate_private_key(public_exponent=65537, key_size=spec.bits)


def spec_of(key: PrivateKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey) -> KeySpec:
    """The KeySpec of an existing key (private or public)."""
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        bits = key.curve.key_size
        if bits not in _CURVE_BY_BITS:
            raise PkiError("unsupported curve")
        return KeySpec(ECDSA, bits, _CURVE_BY_BITS[bits])
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        return KeySpec(RSA, key.key_size)
    raise PkiError("unsupported key type")


def private_key_pem(key: PrivateKey) -> bytes:
    """PKCS#8 PEM, unencrypted (seal it before it is stored)."""
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def private_key_der(key: PrivateKey) -> bytes:
    """PKCS#8 DER, what the agent's deploy-materials decrypt to."""
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def load_private_key(data: bytes | str) -> PrivateKey:
    """A private key from PEM or DER (PKCS#8 or the traditional forms). Only ECDSA and RSA keys are accepted."""
    raw = data.encode("ascii") if isinstance(data, str) else data
    try:
        if raw.lstrip().startswith(b"-----BEGIN"):
            key = serialization.load_pem_private_key(raw, password=None)
        else:
            key = serialization.load_der_private_key(raw, password=None)
    except (ValueError, TypeError):
        raise PkiError("not a readable unencrypted private key") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise PkiError("only ECDSA and RSA keys are supported")
    return key


def public_key_der(key: PrivateKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey) -> bytes:
    public = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) else key
    return public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def key_matches_certificate(key: PrivateKey, certificate: x509.Certificate) -> bool:
    return public_key_der(key) == public_key_der(certificate.public_key())  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------------------------------

_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


@dataclass(frozen=True)
class Identifier:
    """One name of a certificate: `kind` "dns" or "ip"; `value` lowercase (IPs in their compressed form)."""

    kind: str
    value: str

    @property
    def wildcard(self) -> bool:
        return self.value.startswith("*.")

    @property
    def base_domain(self) -> str:
        """The name a DNS-01 record is made for (the wildcard's parent)."""
        return self.value[2:] if self.wildcard else self.value

    def general_name(self) -> x509.GeneralName:
        if self.kind == "ip":
            return x509.IPAddress(ipaddress.ip_address(self.value))
        return x509.DNSName(self.value)


def _dns_name(raw: str, *, allow_single_label: bool) -> str:
    name = raw.strip().lower()
    if name.endswith("."):
        name = name[:-1]
    if not name:
        raise PkiError("empty domain name")
    if not name.isascii():
        raise PkiError(f"{raw!r}: use the punycode (xn--) form of internationalised names")
    if len(name) > 253:
        raise PkiError(f"{raw!r}: a domain name is at most 253 characters")
    labels = name.split(".")
    if labels[0] == "*":
        labels = labels[1:]
        if len(labels) < 2:
            raise PkiError(f"{raw!r}: a wildcard needs at least two labels after '*.'")
    if "*" in "".join(labels):
        raise PkiError(f"{raw!r}: '*' is only allowed as the whole leftmost label")
    if len(labels) < 2 and not allow_single_label:
        raise PkiError(f"{raw!r}: not a fully qualified domain name")
    for label in labels:
        if not _LABEL.fullmatch(label):
            raise PkiError(f"{raw!r}: invalid label {label!r}")
    if labels[-1].isdigit():
        raise PkiError(f"{raw!r}: the top-level label cannot be numeric")
    return name


def identifier(raw: str, *, allow_single_label: bool = False) -> Identifier:
    """One name as given by a user: an IP address literal or a DNS name (wildcards allowed)."""
    if not isinstance(raw, str):
        raise PkiError("names must be strings")
    text = raw.strip()
    try:
        ip = ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return Identifier("dns", _dns_name(text, allow_single_label=allow_single_label))
    return Identifier("ip", ip.compressed)


def identifiers(domain_name: str, sans: Iterable[str] = (), *, allow_single_label: bool = False
                ) -> tuple[Identifier, ...]:
    """The certificate's names: `domain_name` first, then the SANs in order, without duplicates."""
    if isinstance(sans, str):
        raise PkiError("sans must be a list of names")
    seen: dict[str, Identifier] = {}
    for raw in [domain_name, *sans]:
        ident = identifier(raw, allow_single_label=allow_single_label)
        seen.setdefault(ident.value, ident)
    if len(seen) > MAX_NAMES:
        raise PkiError(f"at most {MAX_NAMES} names per certificate")
    return tuple(seen.values())


# ---------------------------------------------------------------------------------------------------------------
# Subject and CSR
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """Subject fields of the certificate contract. Empty strings mean "not set"."""

    common_name: str = ""
    organization: str = ""
    organizational_unit: str = ""
    country: str = ""
    state: str = ""
    locality: str = ""

    @classmethod
    def from_fields(cls, *, common_name: str | None = "", organization: str | None = "",
                    organizational_unit: str | None = "", country: str | None = "", state: str | None = "",
                    locality: str | None = "") -> Subject:
        """Trimmed fields; the country normalised to upper-case ISO 3166 alpha-2."""
        values = {
            "common_name": common_name, "organization": organization, "organizational_unit": organizational_unit,
            "state": state, "locality": locality,
        }
        clean = {}
        for name, value in values.items():
            text = str(value or "").strip()
            if len(text) > MAX_CN_LENGTH:
                raise PkiError(f"{name} is at most {MAX_CN_LENGTH} characters")
            if any(ord(ch) < 0x20 for ch in text):
                raise PkiError(f"{name} contains control characters")
            clean[name] = text
        return cls(country=normalise_country(country), **clean)

    def name(self) -> x509.Name:
        parts = [
            (NameOID.COUNTRY_NAME, self.country),
            (NameOID.STATE_OR_PROVINCE_NAME, self.state),
            (NameOID.LOCALITY_NAME, self.locality),
            (NameOID.ORGANIZATION_NAME, self.organization),
            (NameOID.ORGANIZATIONAL_UNIT_NAME, self.organizational_unit),
            (NameOID.COMMON_NAME, self.common_name),
        ]
        return x509.Name([x509.NameAttribute(oid, value) for oid, value in parts if value])


NO_SUBJECT = Subject()


def normalise_country(country: str | None) -> str:
    text = str(country or "").strip().upper()
    if text and not re.fullmatch(r"[A-Z]{2}", text):
        raise PkiError("country must be a two-letter ISO 3166 code")
    return text


def build_csr(key: PrivateKey, names: Sequence[Identifier], subject: Subject = NO_SUBJECT) -> bytes:
    """A PEM CSR for `names` (SAN extension, in order) signed by `key`. The CN is the first DNS name when it fits
    in 64 characters (CAs read the SANs; the CN is for humans), unless `subject.common_name` is set."""
    if not names:
        raise PkiError("a certificate needs at least one name")
    common_name = subject.common_name
    if not common_name:
        first = names[0].value
        common_name = first if len(first) <= MAX_CN_LENGTH else ""
    name = Subject(common_name, subject.organization, subject.organizational_unit, subject.country, subject.state,
                   subject.locality).name()
    builder = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(name)
        .add_extension(x509.SubjectAlternativeName([n.general_name() for n in names]), critical=False)
    )
    csr = builder.sign(key, spec_of(key).hash_algorithm())
    return csr.public_bytes(serialization.Encoding.PEM)


def csr_names(csr_pem: bytes | str) -> tuple[str, ...]:
    """The SAN values of a PEM CSR (DNS names and IP addresses), in order."""
    raw = csr_pem.encode("ascii") if isinstance(csr_pem, str) else csr_pem
    csr = x509.load_pem_x509_csr(raw)
    try:
        san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return ()
    return tuple(_general_name_text(n) for n in san)


# ---------------------------------------------------------------------------------------------------------------
# Certificates and chains
# ---------------------------------------------------------------------------------------------------------------

_PEM_CERT = re.compile(rb"-----BEGIN CERTIFICATE-----\r?\n.+?\r?\n-----END CERTIFICATE-----", re.DOTALL)


def pem_certificates(pem: bytes | str) -> list[bytes]:
    """Every CERTIFICATE block of a PEM text, each normalised to end with one newline."""
    raw = pem.encode("ascii") if isinstance(pem, str) else pem
    return [block.replace(b"\r\n", b"\n") + b"\n" for block in _PEM_CERT.findall(raw)]


@dataclass(frozen=True)
class Chain:
    """A certificate as a CA delivers it: the leaf, then its issuers (the order ACME's PEM chain uses)."""

    leaf_pem: bytes
    chain_pem: bytes  # the issuers, concatenated; empty when the leaf came alone

    @property
    def fullchain_pem(self) -> bytes:
        return self.leaf_pem + self.chain_pem

    def leaf(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.leaf_pem)

    def issuers(self) -> list[x509.Certificate]:
        return [x509.load_pem_x509_certificate(block) for block in pem_certificates(self.chain_pem)]

    def leaf_der(self) -> bytes:
        return self.leaf().public_bytes(serialization.Encoding.DER)


def split_chain(fullchain_pem: bytes | str) -> Chain:
    """Leaf (first block) and issuers (the rest). Every block must parse as a certificate."""
    blocks = pem_certificates(fullchain_pem)
    if not blocks:
        raise PkiError("no certificate in the PEM text")
    for block in blocks:
        try:
            x509.load_pem_x509_certificate(block)
        except ValueError:
            raise PkiError("unreadable certificate in the PEM chain") from None
    return Chain(blocks[0], b"".join(blocks[1:]))


@dataclass(frozen=True)
class CertificateInfo:
    """What the records and the renewal planner keep about an issued certificate."""

    serial_hex: str  # lowercase hex, no colons
    not_before: int  # epoch seconds
    not_after: int
    names: tuple[str, ...]  # SAN values
    subject: str
    issuer: str
    sha256_fingerprint: str  # hex of SHA-256 over the DER

    @property
    def lifetime(self) -> int:
        return self.not_after - self.not_before


def certificate_info(cert: x509.Certificate | bytes | str) -> CertificateInfo:
    if not isinstance(cert, x509.Certificate):
        cert = split_chain(cert).leaf()
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = tuple(_general_name_text(n) for n in san)
    except x509.ExtensionNotFound:
        names = ()
    der = cert.public_bytes(serialization.Encoding.DER)
    return CertificateInfo(
        serial_hex=format(cert.serial_number, "x"),
        not_before=int(cert.not_valid_before_utc.timestamp()),
        not_after=int(cert.not_valid_after_utc.timestamp()),
        names=names,
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        sha256_fingerprint=hashlib.sha256(der).hexdigest(),
    )


def _general_name_text(name: x509.GeneralName) -> str:
    return str(name.value)  # DNS names as text; IP addresses (and networks) in their compressed form


def utc(epoch_seconds: int | float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(epoch_seconds, tz=datetime.UTC)
