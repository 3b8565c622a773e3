"""Bodies of certificates and CAs on a device (assignment, bundles, what the device reads)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field


class AssignCertificate(BaseModel):
    cert_id: Annotated[int, Field(ge=1)]


class AssignCa(BaseModel):
    ca_id: Annotated[int, Field(ge=1)]


class DeviceCertificateView(BaseModel):
    cert_id: int
    domain_name: str
    sans: list[str]
    status: str
    serial_number: str | None = None
    not_before: int | None = None
    not_after: int | None = None
    key_dist_policy: str
    assigned_at: int  # ms


class CertificateMaterialView(BaseModel):
    id: int
    cert_id: int
    domain_name: str
    sans: list[str]
    serial_number: str | None = None
    not_after: int | None = None
    certificate_pem: str
    chain_pem: str | None = None
    fullchain_pem: str


class CaBundleView(BaseModel):
    id: int
    name: str
    serial_number: str
    status: str
    algorithm: str
    key_size: int | None = None
    curve_name: str | None = None
    valid_days: int | None = None
    ca_certificate_pem: str
    ca_certificate_der_b64: str | None = None


class DeviceCaView(CaBundleView):
    assigned_at: int  # ms
