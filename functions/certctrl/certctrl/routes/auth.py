"""The auth group: `/auth/general` (login, register, activate-user, request-reset-password, reset-password; GET
`?name=` availability), `/auth/status`, `/auth/logout`, `/auth/profile`, `/auth/third-party-bindings`,
`POST /auth/refresh`."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from certctrl import access
from certctrl.api import ENVELOPE
from certctrl.errors import not_an_error
from certctrl.logic import accounts, apikeys, device_sessions, devices, profiles, sessions
from certctrl.models.auth import (
    ActivateRequest,
    Availability,
    Binding,
    GeneralAction,
    LoginRequest,
    LoginView,
    ProfileView,
    RefreshRequest,
    RefreshView,
    RegisterRequest,
    RequestResetRequest,
    ResetPasswordRequest,
    SignedIn,
    SignedOut,
    StatusView,
)
from certctrl.routes import common
from suite import auth
from suite.api import Router

router = Router()


@router.get("/auth/general", returns=Availability, errors=(429,), summary="Is this name still free?",
            tags=["auth"])
def name_availability(name: Annotated[str, Query(min_length=1, max_length=64)]):
    available = accounts.name_available(name, ip=common.client_ip(router))
    return ENVELOPE.ok({"name": name, "available": available})


@router.post("/auth/general", returns=LoginView | StatusView, errors=(401, 403, 409, 429),
             summary="Sign in, register, activate, request or perform a password reset (by `action`)",
             tags=["auth"])
def general(request: Annotated[GeneralAction, Body()]):
    ip = common.client_ip(router)
    if isinstance(request, LoginRequest):
        signed_in = accounts.login(request.email, request.password, ip=ip, user_agent=common.user_agent(router))
        answer = ENVELOPE.ok({"user": profiles.login_user(signed_in.user), "to": "/"})
        answer.cookies.append(common.session_cookie(signed_in.session_id, sessions.max_age()))
        return answer
    if isinstance(request, RegisterRequest):
        status = accounts.register(request.email, request.password, request.name, request.country_of_residence,
                                   ip=ip)
    elif isinstance(request, ActivateRequest):
        status = accounts.activate(request.email, request.verify_code, ip=ip)
    elif isinstance(request, RequestResetRequest):
        status = accounts.request_reset(request.email, ip=ip)
    else:
        assert isinstance(request, ResetPasswordRequest)
        status = accounts.reset_password(request.email, request.verify_code, request.new_password, ip=ip)
    return ENVELOPE.ok({"status": status})


@router.get("/auth/status", auth=access.SESSION_IF_VALID, summary="Who is signed in (200 either way)",
            description="Signed in: `{data: {user, amr, acr, auth_time, mfa, webauthn}}`. Nobody signed in (no, "
                        "unknown or ended session): 200 with `{error: {code: 999999, what}}` (NOT_AN_ERROR).",
            tags=["auth"])
def status() -> SignedIn | SignedOut:
    caller = auth.caller()
    if caller is None:
        return ENVELOPE.error_body(not_an_error())
    return {"data": profiles.session_status(caller)}


@router.post("/auth/logout", auth=access.SESSION, returns=StatusView, summary="End this session", tags=["auth"])
def logout():
    sessions.end(common.user_caller())
    answer = ENVELOPE.ok({"status": "logged_out"})
    answer.cookies.append(common.expired_session_cookie())
    return answer


@router.get("/auth/profile", auth=access.user("profile", "read"), returns=ProfileView,
            summary="The account and what it holds", tags=["auth"])
def profile():
    caller = common.user_caller()
    return ENVELOPE.ok(profiles.profile(caller.user, devices=devices.count(caller.user_id),
                                        apikeys=apikeys.count(caller.user_id)))


@router.get("/auth/third-party-bindings", auth=access.user("profile", "read"), returns=list[Binding],
            summary="Sign-in providers bound to the account (GitHub, WeChat, Solana: issue 19)", tags=["auth"])
def third_party_bindings():
    return ENVELOPE.ok(profiles.bindings(common.user_caller().user_id))


@router.post("/auth/refresh", returns=RefreshView, errors=(401, 429),
             summary="Exchange a device refresh token for a new pair (the old one dies)",
             description="A refresh token that was already exchanged revokes its whole family: 401 with code 10003 "
                         "(`key: refresh_token_rotated`).", tags=["auth"])
def refresh(request: RefreshRequest):
    pair = device_sessions.refresh(request.refresh_token, ip=common.client_ip(router))
    return ENVELOPE.ok({**pair, "session": pair})

