"""The CLI's auto-bootstrap (`/api/v1/devices/register`, `/api/v1/handshake`, `/api/v1/sync`): anonymous,
limited per install id (`X-Device-ID`) and per address. The handshake also answers its typed shape at the top level
(`deviceId`, `serverTime`, `features`, `config`)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Header

from ccjk.api import ENVELOPE
from ccjk.logic import bootstrap
from ccjk.models.bootstrap import Handshake, HandshakeData, InstallRegister, InstallRegistered, InstallSync, Synced
from ccjk.routes.common import Quota, limited
from suite.api import Router

router = Router()
TAGS = ["bootstrap"]
InstallHeader = Annotated[str | None, Header(alias="X-Device-ID", description="The client's install id")]
REGISTER = [limited(Quota("install-register", 100, 3600))]  # by address: installs behind one NAT
HANDSHAKE = [limited(Quota("install-handshake", 60, 3600))]
SYNC = [limited(Quota("install-sync", 30, 3600))]


@router.post("/api/v1/devices/register", returns=InstallRegistered, status_code=201, also_status_codes=(200,),
             errors=(429,), middlewares=REGISTER, summary="Register an anonymous install (once: repeats answer 200)",
             tags=TAGS)
def register(request: InstallRegister):
    answer, is_new = bootstrap.register(request)
    return ENVELOPE.ok(answer, status=201 if is_new else 200)


@router.post("/api/v1/handshake", returns=HandshakeData, errors=(429,), middlewares=HANDSHAKE,
             summary="Feature flags and intervals for the CLI at start", tags=TAGS)
def handshake(request: Handshake, install_id: InstallHeader = None):
    answer = bootstrap.handshake(request, install_id)
    data = answer.pop("data")
    return ENVELOPE.ok(data, **answer)


@router.post("/api/v1/sync", returns=Synced, status_code=202, errors=(429,), middlewares=SYNC,
             summary="Usage stats of the install (accepted, never blocking)", tags=TAGS)
def sync(request: InstallSync, install_id: InstallHeader = None):
    return ENVELOPE.ok(bootstrap.sync(request, install_id), status=202)
