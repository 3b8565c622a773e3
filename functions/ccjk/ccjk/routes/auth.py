"""Users and device binding: register, login (JWT), me; bind codes and the user's devices."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from ccjk import access
from ccjk.api import ENVELOPE
from ccjk.logic import accounts, binding, email_signin
from ccjk.models.auth import (
    BindCodeIssued,
    BindStatus,
    CodeSent,
    DeviceBound,
    Login,
    Me,
    RegisteredUser,
    RegisterUser,
    Session,
    UseBindCode,
    UserDevices,
)
from ccjk.routes.common import source_ip
from suite import auth
from suite.api import Router
from suite.pagination import PagePagination

router = Router()
AUTH = ["auth"]
BIND = ["bind"]


@router.post("/auth/register", returns=RegisteredUser, status_code=201, errors=(409, 429),
             summary="Create an account", tags=AUTH)
def register(request: RegisterUser):
    return ENVELOPE.ok(accounts.register(request, source_ip=source_ip(router)), status=201)


@router.post("/auth/login", returns=Session | CodeSent, errors=(401, 429, 503),
             summary="Password login (a JWT for Authorization: Bearer), or without a password: mail a 6-digit "
                     "sign-in code for POST /auth/verify", tags=AUTH)
def login(request: Login):
    if request.password is None:  # the real client's e-mail code sign-in
        sent = email_signin.request_code(request.email, source_ip=source_ip(router))
        return ENVELOPE.ok(sent, message=email_signin.SENT)
    return ENVELOPE.ok(accounts.login(request, source_ip=source_ip(router)))


@router.get("/auth/me", auth=access.USER, returns=Me, summary="The signed-in user, with tier", tags=AUTH)
def me():
    return ENVELOPE.ok(accounts.me(auth.caller()))


@router.post("/bind/generate", auth=access.USER, returns=BindCodeIssued, status_code=201, errors=(429, 503),
             summary="A 6-character bind code, valid 5 minutes, single use", tags=BIND)
def generate():
    return ENVELOPE.ok(binding.generate(auth.caller()), status=201)


@router.post("/bind/use", auth=access.DEVICE_IF_VALID, returns=DeviceBound, errors=(409, 429),
             summary="Bind a device with a code (no sign-in: the code is the credential; a device token binds that "
                     "device)", tags=BIND)
def use(request: UseBindCode):
    presented = auth.caller()
    answer = binding.use(request, source_ip=source_ip(router), presented=presented.device if presented else None)
    return ENVELOPE.ok(answer)


@router.get("/bind/status/<code>", auth=access.USER, returns=BindStatus, errors=(404,),
            summary="pending, bound or expired", tags=BIND)
def status(code: str):
    return ENVELOPE.ok(binding.status(auth.caller(), code))


@router.get("/bind/devices", auth=access.USER, returns=UserDevices, errors=(400,), summary="The user's devices",
            tags=BIND)
def devices(page: Annotated[str | None, Query(description="1, 2, … (integer)")] = None,
            limit: Annotated[str | None, Query(description="1–100, default 50 (integer; larger is clamped)")] = None):
    paging = PagePagination.from_query({"page": page, "limit": limit}, default_limit=50, max_limit=100)
    data, total = binding.list_devices(auth.caller(), paging)
    return ENVELOPE.ok(data, **paging.meta(total))


@router.delete("/bind/devices/<deviceId>", auth=access.USER, errors=(404, 409),
               summary="Remove one of the user's devices (revokes its token)", tags=BIND)
def unbind(deviceId: str):
    binding.unbind(auth.caller(), deviceId)
    return ENVELOPE.ok(None, message="Device removed")
