"""API v1 accounts: register, login, refresh, verify, logout — a 1-hour access token and a 30-day refresh token
that rotates on every use.

The users are ccjk's own (store/users.py, through logic/accounts.py: the same e-mail uniqueness, argon2id
passwords, throttling and 401 for a wrong e-mail or password). The access token is the service's user JWT
(logic/sessions.py's keyring, issuer and audience), issued for ACCESS_TOKEN_TTL_SECONDS with the sign-in's
family id (`sid`), so every Bearer route of ccjk accepts it. The refresh token is opaque (`rt_` + 256 bits,
stored as its SHA-256), single use: refreshing marks it rotated and issues the next one in one transaction;
presenting a rotated token again ends the whole family (a stolen copy and the real one cannot both live on).
Logout ends the family (refresh stops at once, and `verify` refuses the family's other access tokens) and signs
the presented access token out everywhere (logic/sessions.py's revocation, which every Bearer route checks).
"""

from __future__ import annotations

from typing import Any

from ccjk import clock, config, ids
from ccjk.logic import accounts, sessions
from ccjk.models.auth import Login, RegisterUser
from ccjk.models.market import V1Login, V1Refresh, V1Register
from ccjk.store import refresh_tokens as token_data
from ccjk.store import users as user_data
from suite.errors import Unauthorized
from suite.security.opaque_tokens import issue_token, token_digest

REFRESH_PREFIX = "rt_"
_INVALID_REFRESH = "Invalid or expired refresh token"


def _user_view(user_id: str) -> dict[str, Any]:
    user = user_data.get(user_id)
    if user is None:
        raise Unauthorized("Invalid or expired session", code="INVALID_TOKEN")
    return {"id": user.user_id, "email": user.email, "name": user.name, "username": user.name, "tier": user.tier}


def _access(user_id: str, family_id: str) -> tuple[str, int]:
    ttl = config.market().access_token_ttl_seconds
    return sessions.codec().issue(user_id, ttl_seconds=ttl, claims={"sid": family_id}, now=clock.now()), ttl


def _pair(user_id: str, family_id: str, refresh: str, refresh_expires_at: int) -> dict[str, Any]:
    access, ttl = _access(user_id, family_id)
    return {"user": _user_view(user_id), "accessToken": access, "token": access, "refreshToken": refresh,
            "tokenType": "Bearer", "expiresIn": ttl, "expiresAt": clock.iso(clock.now() + ttl),
            "refreshExpiresAt": clock.iso(refresh_expires_at)}


def _sign_in(user_id: str) -> dict[str, Any]:
    family_id = ids.sortable("rf_")
    issued = issue_token(REFRESH_PREFIX)
    now = clock.now()
    expires_at = int(now) + config.market().refresh_token_ttl_seconds
    token_data.start(family_id, user_id, issued.digest, now_ms=int(now * 1000), expires_at=expires_at)
    return _pair(user_id, family_id, issued.plaintext, expires_at)


def register(request: V1Register, *, source_ip: str) -> dict[str, Any]:
    created = accounts.register(RegisterUser(email=request.email, password=request.password, name=request.username),
                                source_ip=source_ip)
    return _sign_in(created["user"]["id"])


def login(request: V1Login, *, source_ip: str) -> dict[str, Any]:
    signed_in = accounts.login(Login(email=request.email, password=request.password), source_ip=source_ip)
    return _sign_in(signed_in["user"]["id"])


def refresh(request: V1Refresh) -> dict[str, Any]:
    presented = request.refreshToken.strip()
    if not presented.startswith(REFRESH_PREFIX) or len(presented) > 256:
        raise Unauthorized(_INVALID_REFRESH, code="INVALID_REFRESH_TOKEN")
    found = token_data.token(token_digest(presented))
    now = clock.now()
    if found is None or int(found.expires_at) <= now:
        raise Unauthorized(_INVALID_REFRESH, code="INVALID_REFRESH_TOKEN")
    if found.state != "active":
        token_data.revoke(found.family_id)  # a rotated token came back: someone holds a copy
        raise Unauthorized(_INVALID_REFRESH, code="REFRESH_TOKEN_REUSED")
    issued = issue_token(REFRESH_PREFIX)
    expires_at = int(now) + config.market().refresh_token_ttl_seconds
    try:
        token_data.rotate(found, issued.digest, now_ms=int(now * 1000), expires_at=expires_at)
    except token_data.Rotated:
        token_data.revoke(found.family_id)
        raise Unauthorized(_INVALID_REFRESH, code="REFRESH_TOKEN_REUSED") from None
    return _pair(found.user_id, found.family_id, issued.plaintext, expires_at)


def _claims(token: str) -> dict[str, Any]:
    """The claims of a valid token that was not signed out (sessions.verify checks the revocation)."""
    from suite.security.jwt_tokens import InvalidToken  # noqa: PLC0415

    sessions.verify(token)
    try:
        return sessions.codec().verify(token)
    except InvalidToken:
        raise Unauthorized("Invalid or expired session", code="INVALID_TOKEN") from None


def verify(token: str) -> dict[str, Any]:
    """The token's user, if the token is valid and (for API v1 tokens) its sign-in has not ended."""
    claims = _claims(token)
    family_id = claims.get("sid")
    if isinstance(family_id, str):
        found = token_data.family(family_id)
        if found is None or found.state != "active":
            raise Unauthorized("Invalid or expired session", code="INVALID_TOKEN")
    return {"valid": True, "user": _user_view(str(claims["sub"])), "expiresAt": clock.iso(int(claims["exp"]))}


def logout(token: str) -> dict[str, Any]:
    claims = _claims(token)
    family_id = claims.get("sid")
    if isinstance(family_id, str):
        token_data.revoke(family_id)
    sessions.revoke(sessions.verify(token))
    return {"loggedOut": True}
