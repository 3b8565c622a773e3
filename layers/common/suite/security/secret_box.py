"""KMS envelope encryption for third-party secrets before they are written to DynamoDB.

Sealed format (ASCII, safe in any string attribute)::

    v1.<edk>.<nonce>.<ciphertext>

each part unpadded base64url: ``edk`` is the KMS-encrypted data key (``GenerateDataKey`` ``CiphertextBlob``),
``nonce`` is a random 96-bit AES-GCM nonce, ``ciphertext`` is AES-256-GCM output including its 16-byte tag.

The encryption context (e.g. ``{"tenant": "t1", "field": "kook_cookie"}``) binds a value to where it belongs twice:
KMS only releases the data key under the same context, and the canonical JSON of the context is the GCM associated
data. A value copied into another tenant's row therefore cannot be opened there.

Data keys are cached per box so a warm Lambda does not call KMS on every read or write: a sealing key is reused per
context for at most ``max_age`` seconds and ``max_seals`` seals, and decrypted data keys sit in a bounded LRU for
``max_age`` seconds. Nothing here logs; plaintexts and data keys stay out of ``repr`` and exception messages.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = "v1"
NONCE_BYTES = 12
TAG_BYTES = 16
DATA_KEY_BYTES = 32

# KMS answers that mean "this blob cannot be opened with this key and context"; anything else (throttling, network,
# internal errors) is an outage and propagates unchanged so retries and alarms see it. AccessDenied is what KMS (and
# moto) returns for some key mismatches.
_UNOPENABLE_KMS_ERRORS = frozenset(
    {
        "InvalidCiphertextException",
        "IncorrectKeyException",
        "InvalidKeyUsageException",
        "AccessDeniedException",
        "NotFoundException",
    }
)
_B64URL = re.compile(r"[A-Za-z0-9_-]+")


class SecretDecryptError(Exception):
    """The sealed value cannot be opened: wrong context, wrong key, tampered or malformed."""


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(part: str) -> bytes:
    if not _B64URL.fullmatch(part):
        raise SecretDecryptError("malformed sealed value")
    try:
        data = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise SecretDecryptError("malformed sealed value") from None
    if _b64encode(data) != part:  # non-canonical encodings would let two strings open to the same value
        raise SecretDecryptError("malformed sealed value")
    return data


def canonical_context(context: Mapping[str, str]) -> str:
    """Sorted, compact JSON: the same context always gives the same bytes, whatever the dict order."""
    if not isinstance(context, Mapping) or not context:
        raise ValueError("an encryption context is required (e.g. tenant and field)")
    for key, value in context.items():
        if not isinstance(key, str) or not isinstance(value, str) or not key:
            raise ValueError("encryption context keys and values must be strings")
    return json.dumps(dict(context), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _kms_error_code(exc: Exception) -> str | None:
    # Duck-typed botocore ClientError, so this module never imports botocore itself.
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return response.get("Error", {}).get("Code")
    return None


@dataclass(slots=True)
class _SealingKey:
    plaintext: bytes
    encrypted: bytes
    created: float
    seals: int = 0


class SecretBox:
    """Seal and open secrets under one KMS key. One instance per key, kept for the life of the execution environment.

    ``kms_client`` defaults to the shared ``suite.aws.client("kms")``, created on first use.
    """

    def __init__(
        self,
        key_id: str,
        kms_client: Any = None,
        *,
        max_age: float = 300.0,
        max_seals: int = 1000,
        cache_size: int = 256,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not key_id:
            raise ValueError("key_id is required")
        self.key_id = key_id
        self._kms = kms_client
        self._max_age = max_age
        self._max_seals = max_seals
        self._cache_size = cache_size
        self._clock = clock
        self._lock = threading.Lock()
        self._sealing: dict[str, _SealingKey] = {}  # canonical context → current sealing key
        self._opened: OrderedDict[tuple[bytes, str], tuple[bytes, float]] = OrderedDict()  # (edk, ctx) → key, t

    def __repr__(self) -> str:
        return f"SecretBox(key_id={self.key_id!r})"

    @property
    def kms(self) -> Any:
        if self._kms is None:
            from suite import aws  # noqa: PLC0415  (lazy: boto3 only when a secret is actually used)

            self._kms = aws.client("kms")
        return self._kms

    def clear_cache(self) -> None:
        with self._lock:
            self._sealing.clear()
            self._opened.clear()

    # -- sealing ---------------------------------------------------------------------------------------------------

    def seal(self, plaintext: str | bytes, context: Mapping[str, str]) -> str:
        data = plaintext.encode("utf-8") if isinstance(plaintext, str) else plaintext
        if not isinstance(data, bytes):
            raise TypeError("plaintext must be str or bytes")
        ctx = canonical_context(context)
        key, edk = self._sealing_key(ctx, context)
        nonce = os.urandom(NONCE_BYTES)
        ciphertext = AESGCM(key).encrypt(nonce, data, ctx.encode("utf-8"))
        return ".".join((VERSION, _b64encode(edk), _b64encode(nonce), _b64encode(ciphertext)))

    def _sealing_key(self, ctx: str, context: Mapping[str, str]) -> tuple[bytes, bytes]:
        now = self._clock()
        with self._lock:
            current = self._sealing.get(ctx)
            if current and now - current.created < self._max_age and current.seals < self._max_seals:
                current.seals += 1
                return current.plaintext, current.encrypted
        # KMS is called outside the lock so one slow call does not stall other contexts; a race costs one extra key.
        response = self.kms.generate_data_key(KeyId=self.key_id, KeySpec="AES_256", EncryptionContext=dict(context))
        fresh = _SealingKey(response["Plaintext"], response["CiphertextBlob"], now, seals=1)
        with self._lock:
            self._sealing[ctx] = fresh
            self._remember_opened((fresh.encrypted, ctx), fresh.plaintext, now)  # reading back our own writes is free
        return fresh.plaintext, fresh.encrypted

    # -- opening ---------------------------------------------------------------------------------------------------

    def open(self, sealed: str, context: Mapping[str, str]) -> str:
        data = self.open_bytes(sealed, context)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise SecretDecryptError("sealed value is binary; use open_bytes") from None

    def open_bytes(self, sealed: str, context: Mapping[str, str]) -> bytes:
        ctx = canonical_context(context)
        if not isinstance(sealed, str):
            raise SecretDecryptError("malformed sealed value")
        parts = sealed.split(".")
        if len(parts) != 4 or parts[0] != VERSION:
            raise SecretDecryptError("malformed sealed value or unknown version")
        edk, nonce, ciphertext = (_b64decode(p) for p in parts[1:])
        if len(nonce) != NONCE_BYTES or len(ciphertext) < TAG_BYTES:
            raise SecretDecryptError("malformed sealed value")
        key = self._data_key(edk, ctx, context)
        try:
            return AESGCM(key).decrypt(nonce, ciphertext, ctx.encode("utf-8"))
        except InvalidTag:
            raise SecretDecryptError("authentication failed (tampered value or wrong context)") from None

    def _data_key(self, edk: bytes, ctx: str, context: Mapping[str, str]) -> bytes:
        now = self._clock()
        cache_key = (edk, ctx)  # keyed by context too: a key released for one context is never reused for another
        with self._lock:
            hit = self._opened.get(cache_key)
            if hit and now - hit[1] < self._max_age:
                self._opened.move_to_end(cache_key)
                return hit[0]
        try:
            # KeyId pins the KMS key: without it KMS would decrypt a blob made under any key the role may use.
            response = self.kms.decrypt(CiphertextBlob=edk, KeyId=self.key_id, EncryptionContext=dict(context))
        except Exception as exc:
            if _kms_error_code(exc) in _UNOPENABLE_KMS_ERRORS:
                raise SecretDecryptError(f"KMS refused the data key ({_kms_error_code(exc)})") from None
            raise
        key = response["Plaintext"]
        if len(key) != DATA_KEY_BYTES:
            raise SecretDecryptError("unexpected data key length")
        with self._lock:
            self._remember_opened(cache_key, key, now)
        return key

    def _remember_opened(self, cache_key: tuple[bytes, str], key: bytes, now: float) -> None:
        # Caller holds the lock. Expired entries fall out through LRU order or are refreshed on the next miss.
        self._opened[cache_key] = (key, now)
        self._opened.move_to_end(cache_key)
        while len(self._opened) > self._cache_size:
            self._opened.popitem(last=False)


_boxes: dict[str, SecretBox] = {}
_boxes_lock = threading.Lock()


def box_for(key_arn: str) -> SecretBox:
    """The execution environment's SecretBox for a KMS key (one per key, so its data-key cache is shared by
    every caller of the function)."""
    box = _boxes.get(key_arn)
    if box is None:
        with _boxes_lock:
            box = _boxes.setdefault(key_arn, SecretBox(key_arn))
    return box


def forget_boxes() -> None:
    """Drop every cached box (tests that recreate KMS keys)."""
    with _boxes_lock:
        _boxes.clear()


def field_context(service: str, field: str, **owner: str | int) -> dict[str, str]:
    """The encryption context of one stored secret: the service, the field, and the ids of what owns it
    (`field_context("kook", "bot_token", bot="12")`), so a value copied to another row or field cannot be opened."""
    context = {"service": service, "field": field}
    for name, value in owner.items():
        context[name] = str(value)
    return context
