"""E-mail code sign-in's second step and sign-out (the real client, src/cloud-api/auth.ts): `POST /auth/verify`
`{email, code}` → a session; `POST /auth/logout` revokes the presented token. (`POST /auth/login` without a
password mails the code: routes/auth.py.)"""

from __future__ import annotations

from ccjk import access
from ccjk.api import ENVELOPE
from ccjk.logic import email_signin, sessions
from ccjk.models.auth import Session, VerifyCode
from ccjk.routes.common import source_ip
from suite import auth
from suite.api import Router

router = Router()
AUTH = ["auth"]


@router.post("/auth/verify", returns=Session, errors=(401, 429),
             summary="Sign in with the mailed code: a session (the account is created on its first sign-in)",
             tags=AUTH)
def verify(request: VerifyCode):
    return ENVELOPE.ok(email_signin.verify(request.email, request.code, source_ip=source_ip(router)))


@router.post("/auth/logout", auth=access.USER_SESSION, summary="Sign out: the token stops working", tags=AUTH)
def logout():
    sessions.revoke(auth.caller())
    return ENVELOPE.ok(None, message="Logged out successfully")
