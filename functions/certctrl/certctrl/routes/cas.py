"""Private CAs: `/apiv1/users/{user_id}/cas[/{ca_id}]` and `POST .../cas/{ca_id}/issue` (logic/authorities.py)."""

from __future__ import annotations

from certctrl import access
from certctrl.api import ENVELOPE
from certctrl.logic import authorities
from certctrl.models.cas import CaBody, CaUpdate, CaView, LeafBody, LeafView
from certctrl.routes import common
from suite.api import Router

router = Router()
TAGS = ["cas"]
BASE = "/apiv1/users/<user_id>/cas"
ONE = f"{BASE}/<ca_id>"


def _ca(ca_id: str):
    return authorities.owned(common.user_caller().user_id, common.object_id(ca_id, "CA"))


@router.get(BASE, auth=access.user("cas", "read"), returns=list[CaView], errors=(403,),
            summary="A user's private CAs (offset, limit)", tags=TAGS)
def list_cas(user_id: str):
    page = common.pagination(router)
    items, total = authorities.listing(common.user_caller().user_id, offset=page.offset, limit=page.limit)
    return common.listed(items, page, total)


@router.post(BASE, auth=access.user("cas", "create"), returns=CaView, status_code=201, errors=(403, 404, 409),
             summary="Create a private CA (a root, or an intermediate under parent_ca_id); its key is sealed",
             tags=TAGS)
def create_ca(user_id: str, request: CaBody):
    return ENVELOPE.created(authorities.create(common.user_caller().user_id, request))


@router.get(ONE, auth=access.user("cas", "read", "ca_id"), returns=CaView, errors=(403, 404),
            summary="One private CA (its certificate, never its key)", tags=TAGS)
def get_ca(user_id: str, ca_id: str):
    return ENVELOPE.ok(authorities.view(_ca(ca_id)))


@router.put(ONE, auth=access.user("cas", "update", "ca_id"), returns=CaView, errors=(403, 404),
            summary="Rename a CA or set its status (DISABLED issues no more leaves)", tags=TAGS)
def update_ca(user_id: str, ca_id: str, request: CaUpdate):
    return ENVELOPE.ok(authorities.update(_ca(ca_id), request))


@router.delete(ONE, auth=access.user("cas", "delete", "ca_id"), status_code=204, errors=(403, 404, 409),
               summary="Delete a CA nothing uses any more", tags=TAGS)
def delete_ca(user_id: str, ca_id: str):
    authorities.delete(_ca(ca_id))
    return ENVELOPE.no_content()


@router.post(f"{ONE}/issue", auth=access.user("cas", "issue", "ca_id"), returns=LeafView, errors=(403, 404, 409),
             summary="Issue a leaf now (a new certificate; delivered to device_id when given)", tags=TAGS)
def issue_leaf(user_id: str, ca_id: str, request: LeafBody):
    return ENVELOPE.ok(authorities.issue(_ca(ca_id), request))
