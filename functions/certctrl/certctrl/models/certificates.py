"""Bodies of the certificates group: create, change / verify_domain, issue, issue-result, and the views."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

Name = Annotated[str, Field(min_length=1, max_length=253)]
Text = Annotated[str, Field(max_length=64)]
Pem = Annotated[str, Field(max_length=65536)]
ChallengeType = Literal["dns-01", "http-01"]
Validity = Annotated[int, Field(ge=3600, le=10 * 366 * 86400)]


class CertificateBody(BaseModel):
    domain_name: Name
    sans: Annotated[list[Name], Field(max_length=100)] = []
    acct_id: Annotated[int, Field(ge=1)] | None = None
    ca_id: Annotated[int, Field(ge=1)] | None = None  # issue from this private CA (no ACME account)
    action: Annotated[str, Field(max_length=32)] | None = None  # the original's "create"
    key_algorithm: Annotated[str, Field(max_length=16)] | None = None  # ECDSA (default) | RSA
    key_size: Annotated[int, Field(ge=1, le=16384)] | None = None
    curve_name: Annotated[str, Field(max_length=32)] | None = None
    organization: Text | None = None
    organizational_unit: Text | None = None
    country: Text | None = None
    state: Text | None = None
    locality: Text | None = None
    policy: Annotated[str, Field(max_length=32)] | None = None  # HYBRID | MASTER_ONLY | DEVICE_REQUIRED
    key_dist_policy: Annotated[str, Field(max_length=32)] | None = None  # the same, by its stored name
    server_decrypt_export: bool | None = None
    challenge_type: ChallengeType | None = None
    auto_renew: bool | None = None
    validity_seconds: Validity | None = None  # leaves from a private CA


class CertificateUpdate(BaseModel):
    action: Literal["update", "verify_domain"] = "update"
    policy: Annotated[str, Field(max_length=32)] | None = None
    key_dist_policy: Annotated[str, Field(max_length=32)] | None = None
    server_decrypt_export: bool | None = None
    challenge_type: ChallengeType | None = None
    auto_renew: bool | None = None
    validity_seconds: Validity | None = None


class IssueBody(BaseModel):
    validity_seconds: Validity | None = None


class IssueResultBody(BaseModel):
    status: Literal["SUCCESS", "FAILED"] = "SUCCESS"
    issue_id: Annotated[int, Field(ge=1)] | None = None
    fullchain_pem: Pem | None = None
    certificate_pem: Pem | None = None  # the leaf (or the whole chain)
    chain_pem: Pem | None = None
    private_key_pem: Pem | None = None  # omitted: the running issue's own key (it made the CSR)
    error_message: Annotated[str, Field(max_length=500)] | None = None


class DnsDelegation(BaseModel):
    name: str
    type: str
    value: str


class CertificateView(BaseModel):
    id: int
    user_id: int
    acct_id: int | None = None
    ca_id: int | None = None
    domain_name: str
    sans: list[str]
    status: str
    key_algorithm: str | None = None
    key_size: int | None = None
    curve_name: str | None = None
    organization: str | None = None
    organizational_unit: str | None = None
    country: str | None = None
    state: str | None = None
    locality: str | None = None
    challenge_type: str | None = None
    key_dist_policy: str
    policy: str
    server_decrypt_export: bool
    auto_renew: bool
    verified: bool
    self_signed: bool
    serial_number: str | None = None
    not_before: int | None = None  # epoch seconds
    not_after: int | None = None
    issued_at: int | None = None
    renew_after: int | None = None
    current_issue_id: int | None = None
    issue_count: int
    key_generation: int
    dns_delegations: list[DnsDelegation]
    created_at: int  # ms
    updated_at: int  # ms
    certificate_pem: str | None = None  # ?detail=most
    chain_pem: str | None = None
    fullchain_pem: str | None = None
    certificate_der_b64: str | None = None


class IssueView(BaseModel):
    id: int
    cert_record_id: int
    issue_attempt_number: int
    status: str
    acme_order_id: str | None = None
    error_message: str | None = None
    started_at: int  # epoch seconds
    completed_at: int  # epoch seconds, 0 while running
    kind: str
    serial_number: str | None = None
