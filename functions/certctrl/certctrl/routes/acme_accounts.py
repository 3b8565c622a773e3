"""ACME accounts: `/apiv1/users/{user_id}/acme-accounts[/{acme_account_id}]` and the `/apiv1/me/acme-accounts`
alias (logic/acme_registry.py)."""

from __future__ import annotations

from certctrl import access
from certctrl.api import ENVELOPE
from certctrl.logic import acme_registry
from certctrl.models.acme_accounts import AcmeAccountBody, AcmeAccountUpdate, AcmeAccountView
from certctrl.routes import common
from suite.api import Router

router = Router()
TAGS = ["acme-accounts"]
ONE = "/apiv1/users/<user_id>/acme-accounts/<acme_account_id>"
CA_ERRORS = (403, 404, 429, 502, 504)


def _list():
    page = common.pagination(router)
    items, total = acme_registry.listing(common.user_caller().user_id, offset=page.offset, limit=page.limit)
    return common.listed(items, page, total)


def _create(request: AcmeAccountBody):
    return ENVELOPE.created(acme_registry.create(common.user_caller().user_id, request))


def _account(acme_account_id: str):
    return acme_registry.owned(common.user_caller().user_id, common.object_id(acme_account_id, "ACME account"))


@router.get("/apiv1/me/acme-accounts", auth=access.user("acme_accounts", "read"), returns=list[AcmeAccountView],
            summary="The caller's ACME accounts (offset, limit)", tags=TAGS)
def list_mine():
    return _list()


@router.post("/apiv1/me/acme-accounts", auth=access.user("acme_accounts", "create"), returns=AcmeAccountView,
             status_code=201, errors=CA_ERRORS,
             summary="Create an ACME account (registered at its CA) or a SELF_CA account", tags=TAGS)
def create_mine(request: AcmeAccountBody):
    return _create(request)


@router.get("/apiv1/users/<user_id>/acme-accounts", auth=access.user("acme_accounts", "read"),
            returns=list[AcmeAccountView], errors=(403,), summary="A user's ACME accounts (offset, limit)",
            tags=TAGS)
def list_accounts(user_id: str):
    return _list()


@router.post("/apiv1/users/<user_id>/acme-accounts", auth=access.user("acme_accounts", "create"),
             returns=AcmeAccountView, status_code=201, errors=CA_ERRORS,
             summary="Create an ACME account: a new key registered at the CA (EAB for ZeroSSL), or SELF_CA + ca_id",
             description="The account key is generated here and sealed; only the KID and the local fields are "
                         "shown. A CA refusal is 400, the CA unreachable 502.", tags=TAGS)
def create_account(user_id: str, request: AcmeAccountBody):
    return _create(request)


@router.get(ONE, auth=access.user("acme_accounts", "read", "acme_account_id"), returns=AcmeAccountView,
            errors=(403, 404), summary="One ACME account (never its keys)", tags=TAGS)
def get_account(user_id: str, acme_account_id: str):
    return ENVELOPE.ok(acme_registry.view(_account(acme_account_id)))


@router.put(ONE, auth=access.user("acme_accounts", "update", "acme_account_id"), returns=AcmeAccountView,
            errors=(403, 404, 409), summary="Change an ACME account (NO_KID: only local fields and the kid)",
            description="provider, email, ca_id, directory_url and the EAB credentials of a registered account "
                        "cannot change: 409 with code 6000 (NO_KID).", tags=TAGS)
def update_account(user_id: str, acme_account_id: str, request: AcmeAccountUpdate):
    return ENVELOPE.ok(acme_registry.update(_account(acme_account_id), request))


@router.delete(ONE, auth=access.user("acme_accounts", "delete", "acme_account_id"), status_code=204,
               errors=(403, 404, 409), summary="Delete an ACME account no certificate uses", tags=TAGS)
def delete_account(user_id: str, acme_account_id: str):
    acme_registry.delete(_account(acme_account_id))
    return ENVELOPE.no_content()
