"""JWT issue/verify with a pinned algorithm, required claims and kid-based key rotation (RFC 8725).

A ``JwtKeyring`` maps key ids to key material: HMAC secrets for HS*, PEM keys for RS*/ES*/PS*/EdDSA. New tokens are
signed with the active kid; verification picks the key named by the token's ``kid`` header and never tries another
key, so retiring a kid from the keyring retires every token signed with it. Keep one codec (one audience, ideally one
keyring) per token kind, so a token of one kind can never pass as another.
"""

from __future__ import annotations

import functools
import json
import time
import uuid
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import jwt

MIN_SECRET_BYTES = 32  # RFC 7518 §3.2: an HS256 key must be at least as long as the hash output
MAX_LEEWAY_SECONDS = 30
MAX_TOKEN_LENGTH = 8192  # real tokens are well under 2 KB; refuse to parse anything huge

REGISTERED_CLAIMS = frozenset({"iss", "aud", "sub", "iat", "nbf", "exp", "jti"})
REQUIRED_CLAIMS = ("exp", "iat", "iss", "aud", "sub")


class InvalidToken(Exception):
    """The token must be refused. ``reason`` is for logs only; never send it to the client."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class JwtKeyring:
    """Key id → key material, plus the kid that signs new tokens. Immutable; ``repr`` never shows key material."""

    __slots__ = ("_keys", "active_kid")

    def __init__(self, keys: Mapping[str, bytes], active_kid: str) -> None:
        if not keys:
            raise ValueError("keyring is empty")
        checked: dict[str, bytes] = {}
        for kid, key in keys.items():
            if not isinstance(kid, str) or not kid:
                raise ValueError("every kid must be a non-empty string")
            if not isinstance(key, bytes):
                raise ValueError(f"key {kid!r} must be bytes")
            if len(key) < MIN_SECRET_BYTES:
                raise ValueError(f"key {kid!r} is shorter than {MIN_SECRET_BYTES} bytes")
            checked[kid] = key
        if active_kid not in checked:
            raise ValueError(f"active kid {active_kid!r} is not in the keyring")
        self._keys = MappingProxyType(checked)
        self.active_kid = active_kid

    @property
    def keys(self) -> Mapping[str, bytes]:
        return self._keys

    @property
    def kids(self) -> tuple[str, ...]:
        return tuple(self._keys)

    def get(self, kid: str) -> bytes | None:
        return self._keys.get(kid)

    def __repr__(self) -> str:
        return f"JwtKeyring(kids={list(self._keys)!r}, active_kid={self.active_kid!r})"

    @classmethod
    def from_json(cls, text: str | bytes) -> JwtKeyring:
        """Parse ``{"kid": "k1", "secret": "..."}`` or ``{"active": "k2", "keys": {"k1": "...", "k2": "..."}}``."""
        try:
            doc = json.loads(text)
        except ValueError:
            raise ValueError("keyring is not valid JSON") from None  # the text holds secrets: do not echo it
        if not isinstance(doc, dict):
            raise ValueError("keyring JSON must be an object")
        if "keys" in doc:
            active, raw_keys = doc.get("active"), doc["keys"]
            if not isinstance(raw_keys, dict):
                raise ValueError('"keys" must be an object of kid → secret')
        elif "kid" in doc and "secret" in doc:
            active, raw_keys = doc["kid"], {doc["kid"]: doc["secret"]}
        else:
            raise ValueError('keyring JSON needs "kid" + "secret" or "active" + "keys"')
        if not isinstance(active, str):
            raise ValueError("the active kid must be a string")
        keys: dict[str, bytes] = {}
        for kid, secret in raw_keys.items():
            if not isinstance(secret, str):
                raise ValueError(f"secret for {kid!r} must be a string")
            keys[kid] = secret.encode("utf-8")
        return cls(keys, active)


@functools.lru_cache(maxsize=8)
def _parse_keyring(text: str) -> JwtKeyring:
    return JwtKeyring.from_json(text)


def load_keyring(secret_id: str, max_age: int = 300) -> JwtKeyring:
    """Read the keyring JSON from Secrets Manager.

    Powertools caches the secret value for ``max_age`` seconds, so a rotation is picked up within that time; parsing
    is cached per distinct value.
    """
    from aws_lambda_powertools.utilities import parameters  # noqa: PLC0415  (lazy: pulls in boto3)

    value = parameters.get_secret(secret_id, max_age=max_age)
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    return _parse_keyring(value)


class JwtCodec:
    """Issue and verify tokens of one kind: one issuer, one audience, one algorithm."""

    def __init__(
        self,
        keyring: JwtKeyring,
        *,
        issuer: str,
        audience: str,
        ttl_seconds: int,
        algorithm: str = "HS256",
        leeway: int = 30,
    ) -> None:
        if not issuer or not audience:
            raise ValueError("issuer and audience are required")
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        if not 0 <= leeway <= MAX_LEEWAY_SECONDS:
            raise ValueError(f"leeway must be between 0 and {MAX_LEEWAY_SECONDS} seconds")
        if algorithm.lower() == "none" or algorithm not in jwt.algorithms.get_default_algorithms():
            raise ValueError(f"unsupported algorithm {algorithm!r}")
        self.keyring = keyring
        self.issuer = issuer
        self.audience = audience
        self.ttl_seconds = ttl_seconds
        self.algorithm = algorithm
        self.leeway = leeway
        self._symmetric = algorithm.startswith("HS")
        self._verify_keys: dict[str, Any] = {}  # kid → prepared verification key (PEM parsing is not free)

    def __repr__(self) -> str:
        return (
            f"JwtCodec(issuer={self.issuer!r}, audience={self.audience!r}, algorithm={self.algorithm!r}, "
            f"keyring={self.keyring!r})"
        )

    def issue(
        self,
        subject: str,
        *,
        claims: Mapping[str, Any] | None = None,
        ttl_seconds: int | None = None,
        now: float | None = None,
    ) -> str:
        if not isinstance(subject, str) or not subject:
            raise ValueError("subject must be a non-empty string")
        extra = dict(claims or {})
        clashing = REGISTERED_CLAIMS.intersection(extra)
        if clashing:
            # Refuse rather than silently drop: a caller passing "sub" or "aud" here has a bug worth seeing.
            raise ValueError(f"extra claims may not set registered claims: {sorted(clashing)}")
        ttl = self.ttl_seconds if ttl_seconds is None else ttl_seconds
        if ttl <= 0:
            raise ValueError("ttl_seconds must be positive")
        issued_at = int(time.time() if now is None else now)
        payload = {
            **extra,
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "iat": issued_at,
            "nbf": issued_at,
            "exp": issued_at + ttl,
            "jti": uuid.uuid4().hex,
        }
        kid = self.keyring.active_kid
        return jwt.encode(payload, self.keyring.keys[kid], algorithm=self.algorithm, headers={"kid": kid, "typ": "JWT"})

    def verify(self, token: str) -> dict[str, Any]:
        """Return the claims of a valid token, or raise ``InvalidToken``."""
        if not isinstance(token, str) or not token:
            raise InvalidToken("no token")
        if len(token) > MAX_TOKEN_LENGTH:
            raise InvalidToken("token too long")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"malformed header: {type(exc).__name__}") from None
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("missing kid")
        key = self._verification_key(kid)
        if key is None:
            raise InvalidToken("unknown kid")  # no fallback to another key: a retired kid stays retired
        try:
            return jwt.decode(
                token,
                key,
                algorithms=[self.algorithm],  # pinned: the header's alg only has to agree with it
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(type(exc).__name__) from None

    def _verification_key(self, kid: str) -> Any:
        material = self.keyring.get(kid)
        if material is None:
            return None
        if self._symmetric:
            return material
        key = self._verify_keys.get(kid)
        if key is None:
            key = _public_key(material)
            self._verify_keys[kid] = key
        return key


def _public_key(pem: bytes) -> Any:
    """A PEM private key verifies through its public half (PyJWT's RSA verify needs a public key object)."""
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415  (only asymmetric codecs need it)

    if b"PRIVATE KEY" in pem:
        return serialization.load_pem_private_key(pem, password=None).public_key()
    return serialization.load_pem_public_key(pem)
