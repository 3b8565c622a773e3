"""Users and device binding: register, login (JWT), me; bind codes and the user's devices."""

from __future__ import annotations

from ccjk.api import ENVELOPE
from ccjk.logic import accounts, binding
from ccjk.models.auth import Login, RegisterUser, UseBindCode
from ccjk.routes.common import current_user, header, query, source_ip
from suite.api import Router
from suite.pagination import PagePagination

router = Router()
AUTH = ["auth"]
BIND = ["bind"]


@router.post("/auth/register", summary="Create an account", tags=AUTH)
def register(request: RegisterUser):
    return ENVELOPE.ok(accounts.register(request, source_ip=source_ip(router)), status=201)


@router.post("/auth/login", summary="Password login: a JWT for Authorization: Bearer", tags=AUTH)
def login(request: Login):
    return ENVELOPE.ok(accounts.login(request, source_ip=source_ip(router)))


@router.get("/auth/me", summary="The signed-in user, with tier", tags=AUTH)
def me():
    return ENVELOPE.ok(accounts.me(current_user(router)))


@router.post("/bind/generate", summary="A 6-character bind code, valid 5 minutes, single use", tags=BIND)
def generate():
    return ENVELOPE.ok(binding.generate(current_user(router)), status=201)


@router.post("/bind/use", summary="Bind a device with a code (no sign-in; the code is the credential)", tags=BIND)
def use(request: UseBindCode):
    answer = binding.use(request, source_ip=source_ip(router), presented_token=header(router, "X-Device-Token"))
    return ENVELOPE.ok(answer)


@router.get("/bind/status/<code>", summary="pending, bound or expired", tags=BIND)
def status(code: str):
    return ENVELOPE.ok(binding.status(current_user(router), code))


@router.get("/bind/devices", summary="The user's devices", tags=BIND)
def devices():
    page = PagePagination.from_query(query(router), default_limit=50, max_limit=100)
    data, total = binding.list_devices(current_user(router), page)
    return ENVELOPE.ok(data, **page.meta(total))


@router.delete("/bind/devices/<deviceId>", summary="Remove one of the user's devices (revokes its token)", tags=BIND)
def unbind(deviceId: str):
    binding.unbind(current_user(router), deviceId)
    return ENVELOPE.ok(None, message="Device removed")
