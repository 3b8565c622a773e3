"""Certificates: `/apiv1/users/{user_id}/certificates[...]`, the per-account list and create, `/apiv1/me/certificates`,
issues (start, history), the worker's `issue-result` and the ZIP export (logic/certificates.py, logic/issuing.py)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from certctrl import access
from certctrl.api import ENVELOPE
from certctrl.logic import certificates, issuing
from certctrl.logic.delivery_crypto import EXPORT_PASSWORD_HEADER
from certctrl.models.certificates import (
    CertificateBody,
    CertificateUpdate,
    CertificateView,
    IssueBody,
    IssueResultBody,
    IssueView,
)
from certctrl.routes import common
from suite.api import Router

router = Router()
TAGS = ["certificates"]
USER = "/apiv1/users/<user_id>"
ONE = f"{USER}/certificates/<certificate_id>"
DETAIL = Annotated[str | None, Query(max_length=16, description="most: add the certificate's public material")]


def _record(certificate_id: str):
    return certificates.owned(common.user_caller().user_id, common.object_id(certificate_id, "Certificate"))


def _account_id(acme_account_id: str) -> int:
    return common.object_id(acme_account_id, "ACME account")


def _list(acct_id: int | None = None):
    page = common.pagination(router)
    items, total = certificates.listing(common.user_caller().user_id, offset=page.offset, limit=page.limit,
                                        acct_id=acct_id)
    return common.listed(items, page, total)


@router.get("/apiv1/me/certificates", auth=access.user("certificates", "read"), returns=list[CertificateView],
            summary="The caller's certificates (metadata; offset, limit)", tags=TAGS)
def list_mine():
    return _list()


@router.get(f"{USER}/certificates", auth=access.user("certificates", "read"), returns=list[CertificateView],
            errors=(403,), summary="A user's certificates (metadata; offset, limit)", tags=TAGS)
def list_certificates(user_id: str):
    return _list()


@router.post(f"{USER}/certificates", auth=access.user("certificates", "create"), returns=CertificateView,
             status_code=201, errors=(403, 404), summary="Create a certificate (names, key, subject, policy)",
             description="Nothing is issued yet: POST .../issues does. For DNS-01 the answer's dns_delegations "
                         "are the CNAMEs to create.", tags=TAGS)
def create_certificate(user_id: str, request: CertificateBody):
    return ENVELOPE.created(certificates.create(common.user_caller().user_id, request))


@router.get(f"{USER}/acme-accounts/<acme_account_id>/certificates", auth=access.user("certificates", "read"),
            returns=list[CertificateView], errors=(403, 404), summary="The certificates of one ACME account",
            tags=TAGS)
def list_by_account(user_id: str, acme_account_id: str):
    return _list(_account_id(acme_account_id))


@router.post(f"{USER}/acme-accounts/<acme_account_id>/certificates", auth=access.user("certificates", "create"),
             returns=CertificateView, status_code=201, errors=(403, 404),
             summary="Create a certificate under this ACME account", tags=TAGS)
def create_under_account(user_id: str, acme_account_id: str, request: CertificateBody):
    return ENVELOPE.created(certificates.create(common.user_caller().user_id, request,
                                                acct_id=_account_id(acme_account_id)))


@router.get(ONE, auth=access.user("certificates", "read", "certificate_id"), returns=CertificateView,
            errors=(403, 404), summary="One certificate (?detail=most adds its PEM and DER)", tags=TAGS)
def get_certificate(user_id: str, certificate_id: str, detail: DETAIL = None):
    return ENVELOPE.ok(certificates.view(_record(certificate_id), detail=detail == "most"))


@router.put(ONE, auth=access.user("certificates", "update", "certificate_id"), returns=CertificateView,
            empty=(204,), errors=(403, 404, 409, 502),
            summary="Change a certificate's policy or renewal, or {action: verify_domain} (204)",
            description="verify_domain looks up each name's _acme-challenge CNAME: 204 when every one points at "
                        "its delegation target, 409 naming the missing ones.", tags=TAGS)
def update_certificate(user_id: str, certificate_id: str, request: CertificateUpdate):
    changed = certificates.update(_record(certificate_id), request)
    return ENVELOPE.no_content() if changed is None else ENVELOPE.ok(changed)


@router.delete(ONE, auth=access.user("certificates", "delete", "certificate_id"), status_code=204,
               errors=(403, 404), summary="Delete a certificate (every device gets cert.unassigned)", tags=TAGS)
def delete_certificate(user_id: str, certificate_id: str):
    certificates.delete(_record(certificate_id))
    return ENVELOPE.no_content()


@router.post(f"{ONE}/issues", auth=access.user("certificates", "issue", "certificate_id"), returns=CertificateView,
             empty=(204,), errors=(403, 404, 409, 503),
             summary="Issue or renew: 200 with the certificate from a private CA, 204 when ACME issuance started",
             description="ACME issuance continues in the background: follow GET .../issues or the certificate. "
                         "409 while another issue runs, or NO_KID (6000) for an unregistered account.", tags=TAGS)
def start_issue(user_id: str, certificate_id: str, request: IssueBody):
    installed = issuing.start(_record(certificate_id), validity_seconds=request.validity_seconds)
    return ENVELOPE.no_content() if installed is None else ENVELOPE.ok(certificates.view(installed))


def _history(certificate_id: str):
    page = common.pagination(router)
    items, total = certificates.history(_record(certificate_id), offset=page.offset, limit=page.limit)
    return common.listed(items, page, total)


@router.get(f"{ONE}/issues", auth=access.user("certificates", "read", "certificate_id"), returns=list[IssueView],
            errors=(403, 404), summary="Issuance history, newest first (epoch seconds; offset, limit)", tags=TAGS)
def issue_history(user_id: str, certificate_id: str):
    return _history(certificate_id)


@router.get(f"{ONE}/issues/history", auth=access.user("certificates", "read", "certificate_id"),
            returns=list[IssueView], errors=(403, 404), summary="Issuance history (the same as GET .../issues)",
            tags=TAGS)
def issue_history_alias(user_id: str, certificate_id: str):
    return _history(certificate_id)


@router.put(f"{ONE}/issue-result", auth=access.api_key_only("certificates", "issue", object_param="certificate_id"),
            returns=IssueView, errors=(403, 404, 409),
            summary="A worker uploads an issuance result (SUCCESS with the chain, or FAILED)",
            description="An API key allowed certificates:issue on this certificate. SUCCESS without "
                        "private_key_pem uses the key of the running issue named by issue_id.", tags=TAGS)
def issue_result(user_id: str, certificate_id: str, request: IssueResultBody):
    fullchain = request.fullchain_pem or ((request.certificate_pem or "") + (request.chain_pem or "")) or None
    issue = issuing.upload(_record(certificate_id), status=request.status, issue_id=request.issue_id,
                           fullchain_pem=fullchain, private_key_pem=request.private_key_pem,
                           error_message=request.error_message)
    return ENVELOPE.ok(issuing.history_view(issue))


@router.get(f"{ONE}/export", auth=access.user("certificates", "export", "certificate_id"),
            media_type="application/zip", errors=(403, 404),
            summary="The certificate as cert-<id>.zip (the PKCS#12 password only in X-Export-Password)",
            description="private.key, certificate.pem, chain.pem, fullchain.pem, certificate.der, bundle.pfx, "
                        "meta.json. 403 EXPORT_FORBIDDEN for DEVICE_REQUIRED certificates.", tags=TAGS)
def export_certificate(user_id: str, certificate_id: str,
                       format: Annotated[str, Query(max_length=8)] = "zip"):
    bundle = certificates.export(_record(certificate_id), format)
    return Response(status_code=200, content_type="application/zip", body=bundle.content,
                    headers={EXPORT_PASSWORD_HEADER: bundle.password, "Cache-Control": "no-store",
                             "Content-Disposition": f'attachment; filename="{bundle.filename}"'})
