"""API v1 accounts (MarketAuthFunction): register, login, refresh, verify, logout — a 1-hour access token (a ccjk
user JWT, accepted by every Bearer route) and a 30-day refresh token that rotates on every use
(logic/market_accounts.py)."""

from __future__ import annotations

from ccjk import access
from ccjk.api import MARKET_ENVELOPE
from ccjk.logic import market_accounts
from ccjk.models.market import V1Login, V1Refresh, V1Register
from ccjk.models.market_views import LoggedOut, TokenPair, Verified
from ccjk.routes import market_common as common
from suite import auth
from suite.api import Router

router = Router(envelope=MARKET_ENVELOPE)
ENVELOPE = MARKET_ENVELOPE
TAGS = ["v1-auth"]


def _bearer() -> str:
    return auth.bearer_token(router.current_event) or ""


@router.post("/api/v1/auth/register", returns=TokenPair, status_code=201, errors=(409, 429),
             summary="Create an account and sign in (email, password, username)", tags=TAGS)
def register(request: V1Register):
    return ENVELOPE.ok(market_accounts.register(request, source_ip=common.source_ip(router)), status=201)


@router.post("/api/v1/auth/login", returns=TokenPair, errors=(401, 429),
             summary="Sign in: an access token (1 h) and a refresh token (30 d)", tags=TAGS)
def login(request: V1Login):
    return ENVELOPE.ok(market_accounts.login(request, source_ip=common.source_ip(router)))


@router.post("/api/v1/auth/refresh", returns=TokenPair, errors=(401,),
             summary="Exchange a refresh token for a new pair (the old one stops working; reusing it ends the "
                     "sign-in)", tags=TAGS)
def refresh(request: V1Refresh):
    return ENVELOPE.ok(market_accounts.refresh(request))


@router.get("/api/v1/auth/verify", auth=access.USER, returns=Verified, summary="Is this access token valid?",
            tags=TAGS)
def verify():
    return ENVELOPE.ok(market_accounts.verify(_bearer()))


@router.post("/api/v1/auth/logout", auth=access.USER, returns=LoggedOut,
             summary="End this sign-in (its refresh token stops at once)", tags=TAGS)
def logout():
    return ENVELOPE.ok(market_accounts.logout(_bearer()), message="Logged out successfully")
