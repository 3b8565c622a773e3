"""The internal worker's challenge commands (`/apiv1/internal/certificates/{certificate_id}/challenges/...`, an API
key allowed `certificates:issue` on the certificate): logic/challenges.py."""

from __future__ import annotations

from certctrl import access
from certctrl.api import ENVELOPE
from certctrl.logic import challenges
from certctrl.models.challenges import ChallengeCommand, ChallengeStart, ChallengeStop
from certctrl.routes import common
from suite.api import Router

router = Router()
TAGS = ["internal-worker"]
BASE = "/apiv1/internal/certificates/<certificate_id>/challenges"
WORKER = access.api_key_only("certificates", "issue", object_param="certificate_id")


def _record(certificate_id: str):
    return challenges.owned(common.user_caller().user_id, common.object_id(certificate_id, "Certificate"))


@router.post(f"{BASE}/http01/start", auth=WORKER, returns=ChallengeCommand, errors=(403, 404),
             summary="Push acme.http01.start to the certificate's agents (and serve the token here)", tags=TAGS)
def http01_start(certificate_id: str, request: ChallengeStart):
    return ENVELOPE.ok(challenges.http01_start(_record(certificate_id), request))


@router.post(f"{BASE}/http01/stop", auth=WORKER, returns=ChallengeCommand, errors=(403, 404),
             summary="Push acme.http01.stop to the certificate's agents", tags=TAGS)
def http01_stop(certificate_id: str, request: ChallengeStop):
    return ENVELOPE.ok(challenges.http01_stop(_record(certificate_id), request))


@router.post(f"{BASE}/tlsalpn01/start", auth=WORKER, returns=ChallengeCommand, errors=(403, 404),
             summary="Push acme.tlsalpn01.start (with the RFC 8737 validation certificate) to the agents", tags=TAGS)
def tlsalpn01_start(certificate_id: str, request: ChallengeStart):
    return ENVELOPE.ok(challenges.tlsalpn01_start(_record(certificate_id), request))


@router.post(f"{BASE}/tlsalpn01/stop", auth=WORKER, returns=ChallengeCommand, errors=(403, 404),
             summary="Push acme.tlsalpn01.stop to the agents", tags=TAGS)
def tlsalpn01_stop(certificate_id: str, request: ChallengeStop):
    return ENVELOPE.ok(challenges.tlsalpn01_stop(_record(certificate_id), request))
