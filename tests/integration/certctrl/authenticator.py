"""A software WebAuthn authenticator (and the browser around it), written from the WebAuthn Level 2 spec for the
tests: a P-256 key per credential, attestation `none`, assertions signed over authenticatorData ‖
SHA-256(clientDataJSON), a signature counter, discoverable credentials (the user handle is kept).

    key = SoftAuthenticator(origin="https://cjj365.cc")
    credential = key.create(options)           # options: PublicKeyCredentialCreationOptionsJSON (the server's)
    assertion = key.get(options)               # options: PublicKeyCredentialRequestOptionsJSON

Both return the JSON form a browser's `PublicKeyCredential.toJSON()` gives (base64url fields).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
from dataclasses import dataclass, field

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

FLAG_UP, FLAG_UV, FLAG_BE, FLAG_BS, FLAG_AT = 0x01, 0x04, 0x08, 0x10, 0x40
AAGUID = bytes(16)  # "none" attestation: zeros


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


@dataclass
class Credential:
    credential_id: bytes
    key: ec.EllipticCurvePrivateKey
    rp_id: str
    user_handle: bytes
    sign_count: int = 0

    def cose_public_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})


@dataclass
class SoftAuthenticator:
    origin: str = "https://cjj365.cc"
    user_verification: bool = True
    counter_step: int = 1  # 0: an authenticator that keeps no counter
    credentials: list[Credential] = field(default_factory=list)

    def _client_data(self, kind: str, challenge: str, origin: str | None = None) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": origin or self.origin,
                           "crossOrigin": False}, separators=(",", ":")).encode()

    def _flags(self, *, attested: bool = False) -> int:
        flags = FLAG_UP | (FLAG_UV if self.user_verification else 0)
        return flags | (FLAG_AT if attested else 0)

    def create(self, options: dict, *, origin: str | None = None, rp_id: str | None = None) -> dict:
        rp = rp_id or options["rp"]["id"]
        excluded = {item["id"] for item in options.get("excludeCredentials") or []}
        if any(b64url(c.credential_id) in excluded for c in self.credentials if c.rp_id == rp):
            raise ValueError("InvalidStateError: this authenticator holds an excluded credential")
        credential = Credential(os.urandom(32), ec.generate_private_key(ec.SECP256R1()), rp,
                                unb64url(options["user"]["id"]))
        self.credentials.append(credential)
        attested = (AAGUID + struct.pack(">H", len(credential.credential_id)) + credential.credential_id
                    + credential.cose_public_key())
        auth_data = (hashlib.sha256(rp.encode()).digest() + bytes([self._flags(attested=True)])
                     + struct.pack(">I", credential.sign_count) + attested)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        return {"id": b64url(credential.credential_id), "rawId": b64url(credential.credential_id),
                "type": "public-key", "authenticatorAttachment": "cross-platform", "clientExtensionResults": {},
                "response": {"clientDataJSON": b64url(client_data), "attestationObject": b64url(attestation),
                             "transports": ["usb"]}}

    def get(self, options: dict, *, origin: str | None = None, credential: Credential | None = None,
            challenge: str | None = None) -> dict:
        rp = options.get("rpId")
        allowed = {item["id"] for item in options.get("allowCredentials") or []}
        if credential is None:
            usable = [c for c in self.credentials if c.rp_id == rp and (not allowed or b64url(c.credential_id)
                                                                          in allowed)]
            if not usable:
                raise ValueError("NotAllowedError: no credential for this relying party")
            credential = usable[-1]
        credential.sign_count += self.counter_step
        auth_data = (hashlib.sha256(credential.rp_id.encode()).digest() + bytes([self._flags()])
                     + struct.pack(">I", credential.sign_count))
        client_data = self._client_data("webauthn.get", challenge or options["challenge"], origin)
        signature = credential.key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return {"id": b64url(credential.credential_id), "rawId": b64url(credential.credential_id),
                "type": "public-key", "authenticatorAttachment": "cross-platform", "clientExtensionResults": {},
                "response": {"clientDataJSON": b64url(client_data), "authenticatorData": b64url(auth_data),
                             "signature": b64url(signature), "userHandle": b64url(credential.user_handle)}}
