"""HTTP-01: `GET /.well-known/acme-challenge/{token}` answers a published key authorization (public; a CA's
validator is waiting, so this router stays small: logic/http01.py)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from certctrl.logic import http01
from suite.api import Router

router = Router()


@router.get("/.well-known/acme-challenge/<token>", media_type="text/plain", errors=(404,),
            summary="HTTP-01: the key authorization of a published challenge (customers redirect here)",
            tags=["certificates"])
def acme_challenge(token: str):
    return Response(status_code=200, content_type="text/plain", body=http01.key_authorization(token),
                    headers={"Cache-Control": "no-store"})
