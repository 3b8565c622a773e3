"""The feature-flagged "other" routes: `/apiv1/iroiro` and text served at a URL (logic/extras.py)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from certctrl import access
from certctrl.api import ENVELOPE
from certctrl.logic import extras
from certctrl.models.extras import Iroiro, TextRequest, TextStored
from certctrl.routes import common
from suite.api import Router

router = Router()
TAGS = ["other"]


@router.get("/apiv1/iroiro", auth=access.user(None), returns=Iroiro, errors=(404,),
            summary="Various things a front end wants at once (experimental; feature iroiro)", tags=TAGS)
def iroiro():
    return ENVELOPE.ok(extras.iroiro(common.user_caller()))


@router.post("/txt-as-url-response", auth=access.session_only(), returns=TextStored, status_code=201,
             errors=(404, 413, 429), summary="Store a text to serve at a URL (feature txt-as-url)", tags=TAGS)
def store_text(request: TextRequest):
    return ENVELOPE.created(extras.store_text(common.user_caller(), request.text, request.ttl_seconds))


@router.get("/txt-as-url-response/<uuid>", media_type="text/plain", errors=(404,),
            summary="The stored text, as text/plain, until it expires (feature txt-as-url)", tags=TAGS)
def read_text(uuid: str):
    return Response(status_code=200, content_type="text/plain; charset=utf-8", body=extras.read_text(uuid),
                    headers={"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox",
                             "Cache-Control": "no-store"})
