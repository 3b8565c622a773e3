"""Sign in and bind with GitHub and WeChat (redirects), and with a Solana wallet (logic/sign_in.py says how)."""

from __future__ import annotations

import html
from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.shared.cookies import Cookie, SameSite

from certctrl import access
from certctrl.api import ENVELOPE
from certctrl.logic import profiles, sessions, sign_in
from certctrl.models.sign_in import SolanaBound, SolanaChallenge, SolanaSignedIn
from certctrl.routes import common
from suite import auth
from suite.api import Router

router = Router()
TAGS = ["sign-in"]
OAUTH_COOKIE, SOLANA_COOKIE = "cjj365_oauth", "cjj365_solana"
Mode = Literal["login", "bind"]
ReturnTo = Annotated[str | None, Query(max_length=300, description="a path of the front end to end on")]
Param = Annotated[str | None, Query(max_length=512)]


def _cookie(name: str, value: str, max_age: int, path: str = "/auth") -> Cookie:
    return Cookie(name=name, value=value, path=path, secure=True, http_only=True, same_site=SameSite.LAX_MODE,
                  max_age=max_age if value else 0)


def _browser_cookie(name: str) -> str | None:
    event = router.current_event
    found = list(getattr(event, "cookies", None) or [])
    if not found:  # a gateway that left the Cookie header alone
        found = [part for part in (auth.header(event, "Cookie") or "").split(";") if part.strip()]
    for cookie in found:
        key, _, value = cookie.partition("=")
        if key.strip() == name and value.strip():
            return value.strip()
    return None


def _redirect(outcome: sign_in.Outcome) -> Response:
    target = html.escape(outcome.location)
    answer = Response(status_code=302, content_type="text/html; charset=utf-8",
                      body=f'<!doctype html><title>Redirecting</title><a href="{target}">Continue</a>',
                      headers={"Location": outcome.location, "Cache-Control": "no-store"})
    for name, value in outcome.cookies.items():
        answer.cookies.append(_cookie(name, value, 600))
    if outcome.session_id:
        answer.cookies.append(common.session_cookie(outcome.session_id, sessions.max_age()))
    return answer


def _start(provider: str, mode: str, return_to: str | None) -> Response:
    return _redirect(sign_in.start(provider, mode=mode, return_to=return_to, caller=auth.caller(),
                                   ip=common.client_ip(router)))


def _callback(provider: str, code: str | None, state: str | None, error: str | None) -> Response:
    return _redirect(sign_in.callback(provider, code=code, state=state, error=error,
                                      browser=_browser_cookie(OAUTH_COOKIE), ip=common.client_ip(router),
                                      user_agent=common.user_agent(router)))


START = ("Redirect to the provider (`mode=bind` needs the session); the callback ends on the front end's "
         "`return_to`, or on `/login?error=`")
CALLBACK = "The provider's redirect: signs in (session cookie) or binds, then redirects to the front end"


@router.get("/auth/github", auth=access.SESSION_IF_VALID, status_code=302, media_type="text/html",
            errors=(429,), summary="Sign in or bind with GitHub", description=START, tags=TAGS)
def github_start(mode: Annotated[Mode, Query()] = "login", return_to: ReturnTo = None):
    return _start("github", mode, return_to)


@router.get("/auth/github/callback", status_code=302, media_type="text/html", errors=(429,),
            summary="GitHub's redirect back", description=CALLBACK, tags=TAGS)
def github_callback(code: Param = None, state: Param = None, error: Param = None):
    return _callback("github", code, state, error)


@router.get("/auth/weixin", auth=access.SESSION_IF_VALID, status_code=302, media_type="text/html",
            errors=(429,), summary="Sign in or bind with WeChat (its QR code page)", description=START,
            tags=TAGS)
def weixin_start(mode: Annotated[Mode, Query()] = "login", return_to: ReturnTo = None):
    return _start("weixin", mode, return_to)


@router.get("/auth/weixin/callback", status_code=302, media_type="text/html", errors=(429,),
            summary="WeChat's redirect back", description=CALLBACK, tags=TAGS)
def weixin_callback(code: Param = None, state: Param = None, error: Param = None):
    return _callback("weixin", code, state, error)


@router.get("/auth/solana", auth=access.SESSION_IF_VALID, returns=SolanaChallenge | SolanaSignedIn | SolanaBound,
            errors=(400, 404, 409, 429),
            summary="Solana: the message to sign, or its signature (sign in, or bind with mode=bind)",
            description="Without `signature`: `{nonce, message, expires_at}`. With `public_key`, `signature` "
                        "(base58) and `nonce`: sign in (sets the session cookie; the wallet must be bound) or, "
                        "with `mode=bind` and the session, bind the wallet.", tags=TAGS)
def solana(mode: Annotated[Mode, Query()] = "login", nonce: Annotated[str | None, Query(max_length=64)] = None,
           public_key: Annotated[str | None, Query(max_length=64)] = None,
           signature: Annotated[str | None, Query(max_length=128)] = None):
    ip = common.client_ip(router)
    if not signature:
        challenge, browser = sign_in.solana_challenge(mode=mode, caller=auth.caller(), ip=ip)
        answer = ENVELOPE.ok(challenge)
        if browser:
            answer.cookies.append(_cookie(SOLANA_COOKIE, browser, sign_in.SOLANA_NONCE_SECONDS))
        return answer
    kind, result = sign_in.solana_verify(mode=mode, nonce=nonce or "", public_key=public_key or "",
                                         signature=signature, caller=auth.caller(),
                                         browser=_browser_cookie(SOLANA_COOKIE), ip=ip,
                                         user_agent=common.user_agent(router))
    if kind == "bind":
        return ENVELOPE.ok({"binding": result})
    user, session_id = result
    answer = ENVELOPE.ok({"user": profiles.login_user(user), "to": "/"})
    answer.cookies.append(common.session_cookie(session_id, sessions.max_age()))
    answer.cookies.append(_cookie(SOLANA_COOKIE, "", 0))
    return answer
