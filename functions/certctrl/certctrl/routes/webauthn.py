"""WebAuthn: `/auth/webauthn/{register,login,step-up}/{options,verify}` and the user's credentials
(logic/webauthn.py says how the ceremonies work)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from certctrl import access
from certctrl.api import ENVELOPE
from certctrl.logic import profiles, sessions, webauthn
from certctrl.models.auth import LoginView
from certctrl.models.webauthn import (
    AuthenticationCredential,
    CredentialView,
    LoginOptionsRequest,
    Options,
    RegisterOptionsRequest,
    RegistrationCredential,
    StepUpView,
)
from certctrl.routes import common
from suite.api import Router

router = Router()
TAGS = ["webauthn"]
SESSION = access.session_only()


@router.post("/auth/webauthn/register/options", auth=SESSION, returns=Options, errors=(403, 409, 429),
             summary="Options to register a security key or passkey (signed in within STEP_UP_SECONDS)", tags=TAGS)
def register_options(request: Annotated[RegisterOptionsRequest, Body()] = None):
    request = request or RegisterOptionsRequest()
    return ENVELOPE.ok(webauthn.registration_options(
        common.user_caller(), name=request.name, attachment=request.authenticator_attachment,
        resident_key=request.resident_key, user_verification=request.user_verification))


@router.post("/auth/webauthn/register/verify", auth=SESSION, returns=CredentialView, status_code=201,
             errors=(409,), summary="Register the key that answered the options", tags=TAGS)
def register_verify(request: RegistrationCredential):
    credential = request.model_dump(exclude_none=True, exclude={"name"})
    return ENVELOPE.created(webauthn.register(common.user_caller(), credential, name=request.name))


@router.post("/auth/webauthn/login/options", returns=Options, errors=(429,),
             summary="Options to sign in with a security key (any passkey, or the keys of `email`)", tags=TAGS)
def login_options(request: Annotated[LoginOptionsRequest, Body()] = None):
    email = request.email if request else None
    return ENVELOPE.ok(webauthn.login_options(email, ip=common.client_ip(router)))


@router.post("/auth/webauthn/login/verify", returns=LoginView, errors=(401, 403, 429),
             summary="Sign in with the key's answer: sets the session cookie like a password sign-in", tags=TAGS)
def login_verify(request: AuthenticationCredential):
    signed_in = webauthn.login(request.model_dump(exclude_none=True), ip=common.client_ip(router),
                               user_agent=common.user_agent(router))
    answer = ENVELOPE.ok({"user": profiles.login_user(signed_in.user), "to": "/"})
    answer.cookies.append(common.session_cookie(signed_in.session_id, sessions.max_age()))
    return answer


@router.post("/auth/webauthn/step-up/options", auth=SESSION, returns=Options, errors=(409, 429),
             summary="Options to confirm this session with one of the account's keys", tags=TAGS)
def step_up_options():
    return ENVELOPE.ok(webauthn.step_up_options(common.user_caller()))


@router.post("/auth/webauthn/step-up/verify", auth=SESSION, returns=StepUpView,
             summary="Raise this session's amr/acr (aal2) with the key's answer", tags=TAGS)
def step_up_verify(request: AuthenticationCredential):
    return ENVELOPE.ok(webauthn.step_up(common.user_caller(), request.model_dump(exclude_none=True)))


@router.get("/auth/webauthn/credentials", auth=SESSION, returns=list[CredentialView],
            summary="The account's security keys and passkeys", tags=TAGS)
def credentials():
    return ENVELOPE.ok(webauthn.listing(common.user_caller()))


@router.delete("/auth/webauthn/credentials/<id>", auth=SESSION, status_code=204, errors=(403, 404),
               summary="Remove a key (signed in or stepped up within STEP_UP_SECONDS)", tags=TAGS)
def delete_credential(id: str):
    webauthn.delete(common.user_caller(), id)
    return ENVELOPE.no_content()
