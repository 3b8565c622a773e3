"""Certificates and CAs on a device: `/apiv1/users/{user_id}/devices/{device_id}/certificates[...]` and
`.../cas[...]`. Assigning or removing sends the device its signal (logic/device_assets.py)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from certctrl import access
from certctrl.api import ENVELOPE
from certctrl.logic import device_assets
from certctrl.models.device_assets import (
    AssignCa,
    AssignCertificate,
    AssignmentView,
    CaBundleView,
    CertificateAssign,
    CertificateMaterialView,
    DeviceCaView,
    DeviceCertificateView,
)
from certctrl.routes import common
from suite.api import Router

router = Router()
TAGS = ["devices"]
BASE = "/apiv1/users/<user_id>/devices/<device_id>"
READ = access.user("devices", "read", "device_id")
UPDATE = access.user("devices", "update", "device_id")


@router.get(f"{BASE}/certificates", auth=READ, returns=list[DeviceCertificateView], errors=(403, 404),
            summary="Certificates assigned to the device", tags=TAGS)
def list_certificates(user_id: str, device_id: str):
    return ENVELOPE.ok(device_assets.certificates_on(common.owned_device(device_id)))


def _assigned(done) -> Response:
    """200 with the wrap when the key was sealed to the device at once; 202 when the pending sentinel was written
    and the wrap follows (the issuance, or a queued re-wrap)."""
    return ENVELOPE.ok(done.view) if done.status == 200 else Response(status_code=202, body=None)


@router.post(f"{BASE}/certificates", auth=UPDATE, returns=AssignmentView, empty=(202,), errors=(403, 404, 409),
             summary="Assign a certificate: 200 when its key is sealed to the device at once, 202 when queued",
             description="cert.updated is sent with the assignment (wrap_ready true, or false while the pending "
                         "sentinel waits for the issuance or a re-wrap).", tags=TAGS)
def assign_certificate(user_id: str, device_id: str, request: AssignCertificate):
    return _assigned(device_assets.assign_certificate(common.owned_device(device_id), request.cert_id))


@router.post("/apiv1/me/certificate-assign", auth=access.APIKEY, returns=AssignmentView, empty=(202,),
             errors=(400, 403, 404, 409),
             summary="Assign the certificate this API key names (certificates: read on its id) to a device",
             description="The body needs only device_public_id; cert_id picks one when the key allows several. "
                         "200 / 202 as for the device route.", tags=TAGS)
def certificate_assign(request: CertificateAssign):
    return _assigned(device_assets.assign_by_key(common.user_caller(), request.device_public_id, request.cert_id))


@router.get(f"{BASE}/certificates/<certificate_id>", auth=READ, returns=DeviceCertificateView, errors=(403, 404),
            summary="One certificate assigned to the device", tags=TAGS)
def get_certificate(user_id: str, device_id: str, certificate_id: str):
    return ENVELOPE.ok(device_assets.certificate_on(common.owned_device(device_id),
                                                    common.object_id(certificate_id, "Certificate")))


@router.delete(f"{BASE}/certificates/<certificate_id>", auth=UPDATE, status_code=204, errors=(403, 404, 409),
               summary="Remove a certificate from the device (cert.unassigned sent)", tags=TAGS)
def unassign_certificate(user_id: str, device_id: str, certificate_id: str):
    device_assets.unassign_certificate(common.owned_device(device_id), common.object_id(certificate_id, "Certificate"))
    return ENVELOPE.no_content()


@router.get(f"{BASE}/certificates/<certificate_id>/bundle", auth=READ, returns=CertificateMaterialView,
            errors=(403, 404), summary="The public material of a certificate on the device (no private key)",
            tags=TAGS)
def certificate_bundle(user_id: str, device_id: str, certificate_id: str):
    return ENVELOPE.ok(device_assets.certificate_bundle(common.owned_device(device_id),
                                                        common.object_id(certificate_id, "Certificate")))


@router.get(f"{BASE}/cas", auth=READ, returns=list[DeviceCaView], errors=(403, 404),
            summary="Private CAs assigned to the device", tags=TAGS)
def list_cas(user_id: str, device_id: str):
    return ENVELOPE.ok(device_assets.cas_on(common.owned_device(device_id)))


@router.post(f"{BASE}/cas", auth=UPDATE, status_code=204, errors=(403, 404, 409),
             summary="Assign a private CA to the device (ca.assigned sent)", tags=TAGS)
def assign_ca(user_id: str, device_id: str, request: AssignCa):
    device_assets.assign_ca(common.owned_device(device_id), request.ca_id)
    return ENVELOPE.no_content()


@router.delete(f"{BASE}/cas/<ca_id>", auth=UPDATE, status_code=204, errors=(403, 404, 409),
               summary="Remove a private CA from the device (ca.unassigned sent)", tags=TAGS)
def unassign_ca(user_id: str, device_id: str, ca_id: str):
    device_assets.unassign_ca(common.owned_device(device_id), common.object_id(ca_id, "CA"))
    return ENVELOPE.no_content()


@router.get(f"{BASE}/cas/<ca_id>/bundle", auth=READ, returns=CaBundleView, errors=(403, 404),
            summary="A CA's certificate bundle (?pack=download answers the same JSON)", tags=TAGS)
def ca_bundle(user_id: str, device_id: str, ca_id: str,
              pack: Annotated[str | None, Query(max_length=16)] = None):
    return ENVELOPE.ok(device_assets.ca_bundle(common.owned_device(device_id), common.object_id(ca_id, "CA")))
