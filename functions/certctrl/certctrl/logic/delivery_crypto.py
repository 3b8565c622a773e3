"""How a certificate's private key reaches devices and users, in the formats the cert-ctrl agent reads.

Per certificate (each issuance or renewal):

* a random 32-byte **data key**;
* the private key's PKCS#8 DER encrypted with it: AES-256-GCM, 12-byte random nonce, no AAD. The record keeps
  `enc_privkey` (ciphertext only), `privkey_nonce` (12 bytes) and `privkey_tag` (16 bytes) apart, `enc_scheme` 1;
  Python's AESGCM returns `ciphertext || tag`, so the tag is split off here and joined again to decrypt;
* the **master wrap** of the data key: KMS envelope (store/key_vault.wrap_data_key), kept for every policy so a
  device added later can be wrapped for without the private key ever being decrypted;
* one **device wrap** per assigned device: `crypto_box_seal(data_key, dev_pk)` (X25519 sealed box, 80 bytes, what
  libsodium's `crypto_box_seal_open` opens on the agent) with `device_keyfp = BLAKE2b-256(dev_pk)`; or the
  **pending sentinel** (48 zero bytes) while a background re-wrap is queued. A re-wrap covers every device of the
  certificate (`wrap_for_devices`), never only the first.

`deploy_decision()` is the policy table of `GET /apiv1/devices/self/certificates/{id}/deploy-materials`:

    policy            device wrap        server_decrypt_export   →
    MASTER_ONLY       (ignored)          true                    PLAINTEXT          200 {enc_scheme:"plaintext"...}
    MASTER_ONLY       (ignored)          false                   EXPORT_FORBIDDEN   403 EXPORT_FORBIDDEN
    HYBRID / DEVICE_REQUIRED  missing, sentinel, sealed to an older device key or an older data key
                                                                  WRAP_PENDING       409 (body has "WRAP_PENDING")
    HYBRID / DEVICE_REQUIRED  sealed to the device's key          AEAD               200 {wrap_alg:"x25519-v1"...}
    any               no encrypted key stored yet                NOT_AVAILABLE      404

`build_export()` makes the `format=zip` export: `cert-<id>.zip` with private.key, certificate.pem, chain.pem,
fullchain.pem, certificate.der, bundle.pfx and meta.json; the PKCS#12 password is generated here, returned to
the route for the `X-Export-Password` header only, and is in no file and no record.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import io
import json
import os
import secrets
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PrivateFormat,
    pkcs12,
)
from nacl.public import PublicKey, SealedBox

from certctrl.logic import pki

ENC_SCHEME = 1  # cert_records.enc_scheme: AES-256-GCM
ENC_SCHEME_NAME = "aes256gcm"
WRAP_ALG = "x25519"  # cert_record_devices.wrap_alg
WRAP_ALG_WIRE = "x25519-v1"  # deploy-materials' wrap_alg
DATA_KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
DEVICE_KEY_BYTES = 32
SEALED_KEY_BYTES = 80  # ephemeral public key (32) + Poly1305 MAC (16) + data key (32)
PENDING_SENTINEL = bytes(48)
EXPORT_FILES = ("private.key", "certificate.pem", "chain.pem", "fullchain.pem", "certificate.der", "bundle.pfx",
                "meta.json")
EXPORT_PASSWORD_HEADER = "X-Export-Password"  # noqa: S105  (a header name, not a password)


class DeliveryError(ValueError):
    """Bad key material (wrong sizes, unreadable base64, a failed GCM tag). Safe to show; never holds secrets."""


class KeyDistributionPolicy(enum.StrEnum):
    HYBRID = "HYBRID"  # master wrap + per-device wraps (the default)
    MASTER_ONLY = "MASTER_ONLY"  # no device wraps; plaintext to devices only with server_decrypt_export
    DEVICE_REQUIRED = "DEVICE_REQUIRED"  # devices get per-device wraps only

    @classmethod
    def parse(cls, value: str | None) -> KeyDistributionPolicy:
        text = (value or cls.HYBRID.value).strip().upper()
        try:
            return cls(text)
        except ValueError:
            raise DeliveryError("policy must be HYBRID, MASTER_ONLY or DEVICE_REQUIRED") from None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise DeliveryError(f"{what} is not valid base64") from None


# ---------------------------------------------------------------------------------------------------------------
# The private key under the data key
# ---------------------------------------------------------------------------------------------------------------


def new_data_key() -> bytes:
    return os.urandom(DATA_KEY_BYTES)


@dataclass(frozen=True)
class EncryptedKey:
    """The certificate record's `enc_privkey`, `privkey_nonce`, `privkey_tag` (bytes; the store keeps them as
    binary attributes or base64)."""

    ciphertext: bytes = field(repr=False)
    nonce: bytes
    tag: bytes
    enc_scheme: int = ENC_SCHEME
    generation: int = 0  # bumped with every new data key (each issuance); device wraps carry the one they sealed

    def to_record(self) -> dict[str, Any]:
        return {"enc_privkey": _b64(self.ciphertext), "privkey_nonce": _b64(self.nonce),
                "privkey_tag": _b64(self.tag), "enc_scheme": self.enc_scheme, "key_generation": self.generation}

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> EncryptedKey:
        enc = cls(_unb64(record["enc_privkey"], "enc_privkey"), _unb64(record["privkey_nonce"], "privkey_nonce"),
                  _unb64(record["privkey_tag"], "privkey_tag"), int(record.get("enc_scheme", ENC_SCHEME)),
                  int(record.get("key_generation", 0)))
        if len(enc.nonce) != NONCE_BYTES or len(enc.tag) != TAG_BYTES or enc.enc_scheme != ENC_SCHEME:
            raise DeliveryError("the stored key is not AES-256-GCM with a 12-byte nonce and a 16-byte tag")
        return enc


def encrypt_private_key(private_key_der: bytes, data_key: bytes, *, generation: int = 0) -> EncryptedKey:
    """AES-256-GCM, random 12-byte nonce, no associated data; the tag kept apart (the agent's format)."""
    if len(data_key) != DATA_KEY_BYTES:
        raise DeliveryError("the data key must be 32 bytes")
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(data_key).encrypt(nonce, private_key_der, None)
    return EncryptedKey(sealed[:-TAG_BYTES], nonce, sealed[-TAG_BYTES:], generation=generation)


def decrypt_private_key(encrypted: EncryptedKey, data_key: bytes) -> bytes:
    """What the agent does: join ciphertext and tag, open with the nonce. Raises DeliveryError on a bad tag."""
    if len(data_key) != DATA_KEY_BYTES:
        raise DeliveryError("the data key must be 32 bytes")
    try:
        return AESGCM(data_key).decrypt(encrypted.nonce, encrypted.ciphertext + encrypted.tag, None)
    except InvalidTag:
        raise DeliveryError("the private key does not open with this data key (GCM tag mismatch)") from None


# ---------------------------------------------------------------------------------------------------------------
# Device wraps
# ---------------------------------------------------------------------------------------------------------------


def device_public_key(dev_pk: bytes | str) -> bytes:
    """A device's X25519 public key: raw 32 bytes, or the base64 `dev_pk` of the registration."""
    raw = _unb64(dev_pk, "dev_pk") if isinstance(dev_pk, str) else dev_pk
    if len(raw) != DEVICE_KEY_BYTES:
        raise DeliveryError("dev_pk must be a 32-byte X25519 public key")
    return raw


def device_keyfp(dev_pk: bytes | str) -> bytes:
    """BLAKE2b-256 of the device public key (libsodium crypto_generichash, unkeyed, 32 bytes)."""
    return hashlib.blake2b(device_public_key(dev_pk), digest_size=32).digest()


def seal_data_key(data_key: bytes, dev_pk: bytes | str) -> bytes:
    """crypto_box_seal(data_key, dev_pk): 80 bytes only the device's secret key opens."""
    if len(data_key) != DATA_KEY_BYTES:
        raise DeliveryError("the data key must be 32 bytes")
    return bytes(SealedBox(PublicKey(device_public_key(dev_pk))).encrypt(data_key))


@dataclass(frozen=True)
class DeviceKey:
    device_id: str
    dev_pk: bytes  # raw 32 bytes


@dataclass(frozen=True)
class DeviceWrap:
    """One cert_record_devices row: the data key sealed to one device (or the pending sentinel)."""

    device_id: str
    device_keyfp: bytes
    enc_data_key: bytes = field(repr=False)
    wrap_alg: str = WRAP_ALG
    generation: int = 0  # the EncryptedKey.generation of the data key sealed here

    @property
    def pending(self) -> bool:
        return self.enc_data_key == PENDING_SENTINEL

    def to_record(self) -> dict[str, Any]:
        return {"device_id": self.device_id, "device_keyfp": _b64(self.device_keyfp),
                "enc_data_key": _b64(self.enc_data_key), "wrap_alg": self.wrap_alg, "key_generation": self.generation}

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> DeviceWrap:
        return cls(str(record["device_id"]), _unb64(record["device_keyfp"], "device_keyfp"),
                   _unb64(record["enc_data_key"], "enc_data_key"), str(record.get("wrap_alg", WRAP_ALG)),
                   int(record.get("key_generation", 0)))


def wrap_for_device(data_key: bytes, device: DeviceKey, *, generation: int = 0) -> DeviceWrap:
    return DeviceWrap(device.device_id, device_keyfp(device.dev_pk), seal_data_key(data_key, device.dev_pk),
                      generation=generation)


def wrap_for_devices(data_key: bytes, devices: Iterable[DeviceKey], *, generation: int = 0) -> list[DeviceWrap]:
    """A fresh wrap for EVERY device (the re-wrap job after a renewal or an assignment), each marked with the data
    key's generation. A row left behind on an older generation is served as WRAP_PENDING, never as a wrap that
    would fail its GCM tag on the device (the original's first-device-only bug)."""
    return [wrap_for_device(data_key, device, generation=generation) for device in devices]


def pending_wrap(device: DeviceKey, *, generation: int = 0) -> DeviceWrap:
    """The row written before a background re-wrap is queued (assignment answering 202)."""
    return DeviceWrap(device.device_id, device_keyfp(device.dev_pk), PENDING_SENTINEL, generation=generation)


@dataclass(frozen=True)
class InstallMaterials:
    """Everything an issuance (or a SELF_CA leaf) installs on the certificate record, in one go."""

    encrypted: EncryptedKey
    data_key: bytes = field(repr=False)  # master-wrap it (store/key_vault.wrap_data_key), then drop it
    wraps: tuple[DeviceWrap, ...] = ()


def prepare_install(private_key_der: bytes, devices: Iterable[DeviceKey], *, generation: int) -> InstallMaterials:
    """A new data key (of `generation`, one more than the record's), the key under it, and a wrap for every device
    already assigned to the certificate: nothing has to wait for a background re-wrap."""
    data_key = new_data_key()
    return InstallMaterials(encrypt_private_key(private_key_der, data_key, generation=generation), data_key,
                            tuple(wrap_for_devices(data_key, devices, generation=generation)))


# ---------------------------------------------------------------------------------------------------------------
# Deploy materials
# ---------------------------------------------------------------------------------------------------------------


class DeployDecision(enum.StrEnum):
    AEAD = "AEAD"  # 200, per-device wrapped bundle
    PLAINTEXT = "PLAINTEXT"  # 200, server-decrypted key (MASTER_ONLY + server_decrypt_export)
    WRAP_PENDING = "WRAP_PENDING"  # 409 with WRAP_PENDING in the body
    EXPORT_FORBIDDEN = "EXPORT_FORBIDDEN"  # 403
    NOT_AVAILABLE = "NOT_AVAILABLE"  # 404: no encrypted key yet (never issued)


def deploy_decision(policy: KeyDistributionPolicy | str, *, has_encrypted_key: bool, wrap: DeviceWrap | None,
                    device_pk: bytes | str | None = None, key_generation: int | None = None,
                    server_decrypt_export: bool = False) -> DeployDecision:
    """What deploy-materials answers one device (see the module's table). `device_pk`, when given, must be the
    key the wrap was sealed to (a device that registered a new key waits for its re-wrap); `key_generation`, when
    given, must be the wrap's (a wrap of the previous data key waits for its re-wrap too)."""
    policy = KeyDistributionPolicy.parse(policy)
    if not has_encrypted_key:
        return DeployDecision.NOT_AVAILABLE
    if policy is KeyDistributionPolicy.MASTER_ONLY:
        return DeployDecision.PLAINTEXT if server_decrypt_export else DeployDecision.EXPORT_FORBIDDEN
    if wrap is None or wrap.pending:
        return DeployDecision.WRAP_PENDING
    if device_pk is not None and device_keyfp(device_pk) != wrap.device_keyfp:
        return DeployDecision.WRAP_PENDING
    if key_generation is not None and wrap.generation != key_generation:
        return DeployDecision.WRAP_PENDING
    return DeployDecision.AEAD


def aead_materials(encrypted: EncryptedKey, wrap: DeviceWrap) -> dict[str, Any]:
    """deploy-materials' `data` for a device with a ready wrap."""
    if wrap.pending:
        raise DeliveryError("WRAP_PENDING")
    return {
        "wrap_alg": WRAP_ALG_WIRE,
        "enc_scheme": ENC_SCHEME_NAME,
        "device_keyfp_b64": _b64(wrap.device_keyfp),
        "enc_data_key_b64": _b64(wrap.enc_data_key),
        "enc_privkey_b64": _b64(encrypted.ciphertext),
        "privkey_nonce_b64": _b64(encrypted.nonce),
        "privkey_tag_b64": _b64(encrypted.tag),
    }


def plaintext_materials(private_key_der: bytes, certificate_pem: str | None = None) -> dict[str, Any]:
    """deploy-materials' `data` for MASTER_ONLY with server_decrypt_export."""
    data: dict[str, Any] = {"enc_scheme": "plaintext", "private_key_der_b64": _b64(private_key_der)}
    if certificate_pem:
        data["certificate_pem"] = certificate_pem
    return data


# ---------------------------------------------------------------------------------------------------------------
# ZIP export
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportBundle:
    filename: str  # cert-<id>.zip
    content: bytes = field(repr=False)
    password: str = field(repr=False)  # for the X-Export-Password header only; never stored


def export_password() -> str:
    """40 characters of URL-safe randomness (240 bits)."""
    return secrets.token_urlsafe(30)


def build_export(*, cert_id: str, domain_name: str, private_key: pki.PrivateKey | bytes, fullchain_pem: str | bytes,
                 meta: Mapping[str, Any] | None = None, password: str | None = None) -> ExportBundle:
    """The seven-file ZIP. chain.pem holds the issuers (empty when the certificate came without a chain);
    bundle.pfx holds key, leaf and chain under `password` (generated unless given)."""
    key = pki.load_private_key(private_key) if isinstance(private_key, bytes) else private_key
    chain = pki.split_chain(fullchain_pem)
    leaf = chain.leaf()
    if not pki.key_matches_certificate(key, leaf):
        raise DeliveryError("the private key does not belong to the certificate")
    secret = password or export_password()
    encryption = (
        PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(100_000)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(secret.encode("utf-8"))
    )
    pfx = pkcs12.serialize_key_and_certificates(
        (domain_name or "Certificate").encode("utf-8"), key, leaf, chain.issuers() or None, encryption)
    info = pki.certificate_info(leaf)
    meta_json = {
        "cert_id": cert_id,
        "domain_name": domain_name,
        "sans": list(info.names),
        "serial_number": info.serial_hex,
        "not_before": info.not_before,
        "not_after": info.not_after,
        "sha256_fingerprint": info.sha256_fingerprint,
        "files": list(EXPORT_FILES),
        **dict(meta or {}),
    }
    meta_json.pop("password", None)
    files = {
        "private.key": pki.private_key_pem(key),
        "certificate.pem": chain.leaf_pem,
        "chain.pem": chain.chain_pem,
        "fullchain.pem": chain.fullchain_pem,
        "certificate.der": leaf.public_bytes(Encoding.DER),
        "bundle.pfx": pfx,
        "meta.json": (json.dumps(meta_json, indent=2, sort_keys=True) + "\n").encode("utf-8"),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in EXPORT_FILES:
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), files[name],
                             compress_type=zipfile.ZIP_DEFLATED)
    return ExportBundle(f"cert-{cert_id}.zip", buffer.getvalue(), secret)
