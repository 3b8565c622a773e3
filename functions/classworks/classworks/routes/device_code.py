"""The device-code flow under /api/auth/device: code, bind, token (one-shot), status (debug).

The token given to `bind` is what is bound, not who calls: an unknown one is a 400 (`无效的令牌`), as in the
original."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from classworks.logic import device_codes
from classworks.models import device_code as models
from classworks.models.documented import NON_BLANK
from classworks.routes.common import ok, query, source_ip
from suite.api import Router

router = Router()

Code = Annotated[str | None, query(pattern=NON_BLANK)]  # required; a missing one is 400 `请提供 device_code`


@router.post("/api/auth/device/code", returns=models.DeviceCode, errors=(429, 503),
             summary="New device code (NNNN-XXXX, 15 minutes)", tags=["device-code"])
def create_code():
    return ok(device_codes.create(source_ip(router)))


@router.post("/api/auth/device/bind", returns=models.Bound, errors=(409, 429), requires=("body",),
             summary="Bind an app token to a device code", tags=["device-code"])
def bind(body: Annotated[models.BindRequest | None, Body()] = None):
    body = body or models.BindRequest()
    return ok(device_codes.bind(body.device_code, body.token, source_ip(router)))


@router.get("/api/auth/device/token", returns=models.PickUp, requires=("device_code",),
            summary="Poll for the bound token (handed out once)", tags=["device-code"])
def pick_up_token(device_code: Code = None):
    return ok(device_codes.pick_up(device_code))


@router.get("/api/auth/device/status", returns=models.CodeStatus, requires=("device_code",),
            summary="Whether a device code exists and has a token", tags=["device-code"])
def code_status(device_code: Code = None):
    return ok(device_codes.status(device_code))
