"""What a device fetches for itself with its access JWT: install config, certificate detail and deploy materials,
CA bundles."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from certctrl import access
from certctrl.api import ENVELOPE
from certctrl.logic import device_assets, install_config
from certctrl.models.device_assets import CaBundleView, CertificateMaterialView, DeployMaterialsView
from certctrl.models.device_config import InstallConfigView
from certctrl.routes import common
from suite.api import Router

router = Router()
TAGS = ["device-self"]
SELF = "/apiv1/devices/self"


@router.get(f"{SELF}/install-config", auth=access.DEVICE, returns=InstallConfigView,
            summary="This device's install config (version 0 and no items when none was saved)", tags=TAGS)
def install_config_self():
    return ENVELOPE.ok(install_config.current(common.device_caller().device))


@router.get(f"{SELF}/certificates/<certificate_id>", auth=access.DEVICE, returns=CertificateMaterialView,
            errors=(404,), summary="Detail of a certificate assigned to this device (public material)", tags=TAGS)
def certificate_detail(certificate_id: str):
    return ENVELOPE.ok(device_assets.certificate_bundle(common.device_caller().device,
                                                        common.object_id(certificate_id, "Certificate")))


@router.get(f"{SELF}/certificates/<certificate_id>/bundle", auth=access.DEVICE, returns=CertificateMaterialView,
            errors=(404,), summary="Legacy path of the certificate detail (agents before 2025-10-25)", tags=TAGS)
def certificate_bundle_legacy(certificate_id: str):
    return certificate_detail(certificate_id)


@router.get(f"{SELF}/certificates/<certificate_id>/deploy-materials", auth=access.DEVICE,
            returns=DeployMaterialsView, errors=(403, 404, 409),
            summary="The private key sealed to this device's X25519 key",
            description="AES-256-GCM key, data key in a sealed box to dev_pk (wrap_alg x25519-v1). 409 with "
                        "WRAP_PENDING in the body while the wrap for this device is pending (retry); 403 "
                        "EXPORT_FORBIDDEN for MASTER_ONLY without server_decrypt_export; 404 before issuance.",
            tags=TAGS)
def deploy_materials(certificate_id: str):
    return ENVELOPE.ok(device_assets.deploy_materials(common.device_caller().device,
                                                      common.object_id(certificate_id, "Certificate")))


@router.get(f"{SELF}/cas/<ca_id>/bundle", auth=access.DEVICE, returns=CaBundleView, errors=(404,),
            summary="A CA bundle for this device (404 when the CA is not assigned to it)", tags=TAGS)
def ca_bundle(ca_id: str, pack: Annotated[str | None, Query(max_length=16)] = None):
    return ENVELOPE.ok(device_assets.ca_bundle(common.device_caller().device, common.object_id(ca_id, "CA")))
