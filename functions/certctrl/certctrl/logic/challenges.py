"""ACME challenges served for users' certificates.

* `GET /.well-known/acme-challenge/{token}` (logic/http01.py, its own light function) answers the key
  authorization an issue published (HTTP-01). API Gateway cannot listen on port 80: the customer redirects
  `http://<name>/.well-known/acme-challenge/*` to that route (CAs follow redirects to 443), or lets an agent serve
  it.
* The internal worker routes (`/apiv1/internal/certificates/{id}/challenges/...`) are for a worker outside that
  drives an ACME order itself and wants the certificate's agents to answer: they send the time-bounded
  `acme.http01.start|stop` / `acme.tlsalpn01.start|stop` commands (the notes §2) to the certificate's devices (or
  one of them), pushed at once over the WebSocket and delivered to polls only while live. HTTP-01 starts are also
  served from the route above.
* TLS-ALPN-01 (RFC 8737): the validation certificate (the name in its SAN, the critical acmeIdentifier extension
  holding SHA-256 of the key authorization) and its throwaway key are made here and sent in the command.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID, ObjectIdentifier

from certctrl import clock
from certctrl.logic import agent_commands, pki
from certctrl.models.challenges import ChallengeStart, ChallengeStop
from certctrl.models.entities import CertificateRecord
from certctrl.store import certificates, challenges
from suite.errors import BadRequest, NotFound

ACME_IDENTIFIER = ObjectIdentifier("1.3.6.1.5.5.7.1.31")  # id-pe-acmeIdentifier (RFC 8737)


def owned(user_id: int, cert_id: int) -> CertificateRecord:
    record = certificates.certificate(user_id, cert_id)
    if record is None:
        raise NotFound("Certificate not found", code="404")
    return record


def _checked(body: ChallengeStart) -> None:
    if not body.key_authorization.startswith(body.token + "."):
        raise BadRequest("key_authorization must be <token>.<account key thumbprint>")


def _targets(body: Any) -> list[int] | None:
    return [body.device_id] if body.device_id is not None else None


def http01_start(record: CertificateRecord, body: ChallengeStart) -> dict[str, Any]:
    _checked(body)
    challenge_id = body.challenge_id or body.token
    expires_at = clock.epoch() + body.ttl_seconds
    challenges.put(body.token, body.key_authorization, cert_id=int(record.id),
                   identifier=body.domain or record.domain_name, expires_at=expires_at)
    ref = agent_commands.http01_start_ref(body.token, body.key_authorization, body.ttl_seconds,
                                          challenge_id=challenge_id, listen=body.listen)
    reached = agent_commands.send(record, "acme.http01.start", ref, live_seconds=body.ttl_seconds,
                                  device_ids=_targets(body))
    return _answer(challenge_id, reached, expires_at)


def http01_stop(record: CertificateRecord, body: ChallengeStop) -> dict[str, Any]:
    if body.token:
        challenges.delete(body.token)
    challenge_id = body.challenge_id or body.token or ""
    if not challenge_id:
        raise BadRequest("challenge_id (or token) is required")
    reached = agent_commands.send(record, "acme.http01.stop", {"challenge_id": challenge_id}, live_seconds=300,
                                    device_ids=_targets(body))
    return _answer(challenge_id, reached, None)


def tlsalpn01_start(record: CertificateRecord, body: ChallengeStart) -> dict[str, Any]:
    _checked(body)
    domain = body.domain or record.domain_name
    try:
        name = pki.identifier(domain, allow_single_label=True)
    except pki.PkiError as exc:
        raise BadRequest(f"domain: {exc}") from None
    if name.wildcard:
        raise BadRequest("domain: TLS-ALPN-01 cannot validate a wildcard")
    cert_pem, key_pem = validation_certificate(name.value, body.key_authorization, name.kind == "ip")
    challenge_id = body.challenge_id or body.token
    ref = {"challenge_id": challenge_id, "token": body.token, "domain": name.value,
           "key_authorization": body.key_authorization, "ttl_seconds": body.ttl_seconds,
           "certificate": {"cert_pem": cert_pem, "key_pem": key_pem},
           "listen": body.listen or {"bind": "0.0.0.0", "port": 443}}  # noqa: S104  (the agent's listener)
    reached = agent_commands.send(record, "acme.tlsalpn01.start", ref, live_seconds=body.ttl_seconds,
                                    device_ids=_targets(body))
    return _answer(challenge_id, reached, clock.epoch() + body.ttl_seconds)


def tlsalpn01_stop(record: CertificateRecord, body: ChallengeStop) -> dict[str, Any]:
    challenge_id = body.challenge_id or body.token or ""
    if not challenge_id:
        raise BadRequest("challenge_id (or token) is required")
    reached = agent_commands.send(record, "acme.tlsalpn01.stop", {"challenge_id": challenge_id}, live_seconds=300,
                                    device_ids=_targets(body))
    return _answer(challenge_id, reached, None)


def _answer(challenge_id: str, reached: list[int], expires_at: int | None) -> dict[str, Any]:
    return {"challenge_id": challenge_id, "device_ids": reached, "expires_at": expires_at}


def validation_certificate(name: str, key_authorization: str, ip: bool = False) -> tuple[str, str]:
    """RFC 8737's self-signed certificate for one name: SAN, and the critical acmeIdentifier extension with the
    DER OCTET STRING of SHA-256(key authorization)."""
    key = ec.generate_private_key(ec.SECP256R1())
    digest = hashlib.sha256(key_authorization.encode("ascii")).digest()
    now = datetime.datetime.now(datetime.UTC)
    general = x509.IPAddress(ipaddress.ip_address(name)) if ip else x509.DNSName(name)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ACME TLS-ALPN-01 challenge")])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([general]), critical=False)
            .add_extension(x509.UnrecognizedExtension(ACME_IDENTIFIER, b"\x04\x20" + digest), critical=True)
            .sign(key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()).decode("ascii"))
