"""Certificate and CA records, read for devices (issue 17 writes them)."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from certctrl.models.entities import CaRecord, CertificateRecord


def user_key(user_id: int) -> str:
    return f"USER#{user_id}"


def certificate_sk(cert_id: int) -> str:
    return f"CERT#{cert_id:012d}"


def ca_sk(ca_id: int) -> str:
    return f"CA#{ca_id:012d}"


def certificate(user_id: int, cert_id: int) -> CertificateRecord | None:
    try:
        return CertificateRecord.get(user_key(user_id), certificate_sk(cert_id), consistent_read=True)
    except DoesNotExist:
        return None


def ca(user_id: int, ca_id: int) -> CaRecord | None:
    try:
        return CaRecord.get(user_key(user_id), ca_sk(ca_id), consistent_read=True)
    except DoesNotExist:
        return None
