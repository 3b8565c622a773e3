"""Catalogues: API key permissions, DNS providers, payment channels (signed in) and FX rates (public)."""

from __future__ import annotations

from certctrl import access
from certctrl.api import ENVELOPE
from certctrl.logic import catalogs, permissions
from certctrl.models.apikeys import CatalogEntry, DnsProvider, FxRate, PaymentChannel
from suite.api import Router

router = Router()
TAGS = ["catalogs"]


@router.get("/apiv1/permissions/catalog", auth=access.user(None), returns=list[CatalogEntry],
            summary="Object types and actions an API key's permissions may name", tags=TAGS)
def permissions_catalog():
    return ENVELOPE.ok(permissions.catalog())


@router.get("/apiv1/dns/providers/catalog", auth=access.user(None), returns=list[DnsProvider],
            summary="DNS providers for DNS-01 and the credential fields each needs", tags=TAGS)
def dns_providers():
    return ENVELOPE.ok(catalogs.dns_providers())


@router.get("/apiv1/payment/channels", auth=access.user(None), returns=list[PaymentChannel],
            summary="Payment channels and whether this deployment has them enabled", tags=TAGS)
def payment_channels():
    return ENVELOPE.ok(catalogs.payment_channels())


@router.get("/apiv1/fx-rates", returns=list[FxRate], summary="Exchange rates (public)", tags=TAGS)
def fx_rates():
    return ENVELOPE.ok(catalogs.fx_rates())
