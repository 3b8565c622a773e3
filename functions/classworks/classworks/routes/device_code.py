"""The device-code flow under /api/auth/device: code, bind, token (one-shot), status (debug)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body
from pydantic import BaseModel

from classworks.logic import device_codes
from classworks.routes._common import current_request, ok
from suite.api import Router

router = Router()


class BindRequest(BaseModel):
    device_code: str | None = None
    token: str | None = None


@router.post("/api/auth/device/code", summary="New device code (NNNN-XXXX, 15 minutes)", tags=["device-code"])
def create_code():
    return ok(device_codes.create(current_request(router).source_ip))


@router.post("/api/auth/device/bind", summary="Bind an app token to a device code", tags=["device-code"])
def bind(body: Annotated[BindRequest | None, Body()] = None):
    body = body or BindRequest()
    return ok(device_codes.bind(body.device_code, body.token, current_request(router).source_ip))


@router.get("/api/auth/device/token", summary="Poll for the bound token (handed out once)", tags=["device-code"])
def pick_up_token():
    return ok(device_codes.pick_up(current_request(router).query.get("device_code")))


@router.get("/api/auth/device/status", summary="Whether a device code exists and has a token",
            tags=["device-code"])
def code_status():
    return ok(device_codes.status(current_request(router).query.get("device_code")))
