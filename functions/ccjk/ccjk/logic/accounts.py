"""User registration, password login (throttled) and the current user."""

from __future__ import annotations

import re
from typing import Any

from ccjk import clock, ids
from ccjk.logic import sessions
from ccjk.models.auth import Login, RegisterUser
from ccjk.models.entities import User
from ccjk.store import limits
from ccjk.store import users as user_data
from suite.errors import BadRequest, Conflict, TooManyRequests, Unauthorized
from suite.security import passwords

EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
DEFAULT_TIER = "free"
# Brute force: per account (10 attempts / 15 min, reset by a success) and per address (100 / 15 min, so one
# client cannot walk many accounts). NIST SP 800-63B allows at most 100 consecutive failures per account.
LOGIN_WINDOW_SECONDS = 900
LOGIN_ATTEMPTS_PER_ACCOUNT = 10
LOGIN_ATTEMPTS_PER_ADDRESS = 100
REGISTRATIONS_PER_ADDRESS = 20  # per hour
INVALID_CREDENTIALS = "Invalid email or password"


def normalise_email(raw: str) -> str:
    email = raw.strip().lower()
    if not EMAIL_RE.fullmatch(email):
        raise BadRequest("email: not a valid e-mail address", code="VALIDATION_ERROR", details={"field": "email"})
    return email


def user_view(user: User) -> dict[str, Any]:
    return {"id": user.user_id, "email": user.email, "name": user.name}


def _throttle(key: str, limit: int, window: int, message: str) -> None:
    decision = limits.hit(key, limit=limit, window_seconds=window)
    if not decision.allowed:
        raise TooManyRequests(message, retry_after=decision.retry_after)


def register(request: RegisterUser, *, source_ip: str) -> dict[str, Any]:
    email = normalise_email(request.email)
    _throttle(f"register#ip#{source_ip}", REGISTRATIONS_PER_ADDRESS, 3600, "Too many registrations, try later")
    name = (request.name or "").strip() or email.split("@", 1)[0]
    user = User(user_id=ids.user_id(), email=email, name=name, password_hash=passwords.hash_password(request.password),
                tier=DEFAULT_TIER, created_at=clock.iso())
    try:
        user_data.create(user)
    except user_data.EmailTaken:
        raise Conflict("Email already registered", code="EMAIL_EXISTS") from None
    return {"user": user_view(user)}


def login(request: Login, *, source_ip: str) -> dict[str, Any]:
    """A JWT for the right password. Unknown e-mail and wrong password answer identically, and an unknown
    e-mail (or an account that signs in by e-mail code only) costs the same hashing time (dummy verify), so
    neither the answer nor its timing tells them apart. (Without a password, the route mails a code instead:
    logic/email_signin.py.)"""
    password = request.password or ""
    email = normalise_email(request.email)
    _throttle(f"login#ip#{source_ip}", LOGIN_ATTEMPTS_PER_ADDRESS, LOGIN_WINDOW_SECONDS,
              "Too many login attempts, try again later")
    account_key = f"login#account#{email}"
    _throttle(account_key, LOGIN_ATTEMPTS_PER_ACCOUNT, LOGIN_WINDOW_SECONDS, "Too many login attempts, try again later")

    user = user_data.by_email(email)
    if user is None or not user.password_hash:
        passwords.dummy_verify(password)
        raise Unauthorized(INVALID_CREDENTIALS, code="INVALID_CREDENTIALS")
    if not passwords.verify_password(user.password_hash, password):
        raise Unauthorized(INVALID_CREDENTIALS, code="INVALID_CREDENTIALS")

    limits.reset(account_key, window_seconds=LOGIN_WINDOW_SECONDS)
    if passwords.needs_rehash(user.password_hash):
        user_data.update_password_hash(user.user_id, passwords.hash_password(password))
    token, expires_at = sessions.issue(user.user_id)
    return {"token": token, "expiresAt": expires_at, "user": user_view(user)}


def me(user_id: str) -> dict[str, Any]:
    user = user_data.get(user_id)
    if user is None:
        raise Unauthorized("Invalid or expired session", code="INVALID_TOKEN")
    return {**user_view(user), "tier": user.tier, "createdAt": user.created_at, "user": user_view(user)}
