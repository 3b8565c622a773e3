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
    """The certificate detail the agent reads (its public material; the key comes from deploy-materials)."""

    id: int
    cert_id: int
    domain_name: str
    sans: list[str]
    serial_number: str | None = None
    not_before: int | None = None  # epoch seconds
    not_after: int | None = None
    key_dist_policy: str | None = None
    certificate_pem: str
    chain_pem: str | None = None
    fullchain_pem: str
    certificate_der_b64: str | None = None


class CertificateAssign(BaseModel):
    device_public_id: Annotated[str, Field(min_length=1, max_length=64)]
    cert_id: Annotated[int, Field(ge=1)] | None = None  # when the key allows several certificates


class AssignmentView(BaseModel):
    """200 of an assignment: the data key is sealed to the device (or MASTER_ONLY needs no device wrap)."""

    cert_id: int
    device_id: int
    key_dist_policy: str
    wrap_ready: bool
    wrap_alg: str | None = None
    device_keyfp_b64: str | None = None
    key_generation: int


class DeployMaterialsView(BaseModel):
    """deploy-materials: the sealed form (`enc_scheme` aes256gcm) or, for MASTER_ONLY with server_decrypt_export,
    the plaintext form."""

    enc_scheme: str
    wrap_alg: str | None = None
    device_keyfp_b64: str | None = None
    enc_data_key_b64: str | None = None
    enc_privkey_b64: str | None = None
    privkey_nonce_b64: str | None = None
    privkey_tag_b64: str | None = None
    private_key_der_b64: str | None = None
    certificate_pem: str | None = None


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
