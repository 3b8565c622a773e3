"""Sign-in by e-mail code (the real client's flow, src/cloud-api/auth.ts): `POST /auth/login {email}` mails a
6-digit code, `POST /auth/verify {email, code}` answers a session (the same JWT as password login). There is no
separate sign-up: the first verified code of an address creates its account, and an address that registered
with a password is the same account.

Codes: 6 digits, valid 10 minutes (TTL, and checked on read), single use, at most 5 attempts (the count is a
conditional write, so parallel guesses cannot exceed it; the 5th wrong guess burns the code), a new code replaces
the previous one. They are stored as an HMAC under the JWT keyring's active key, never in clear, and never logged.
Sending is throttled per address and per client address; every answer is the same whether the address has an
account or not.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from ccjk import clock, ids
from ccjk.logic import accounts, sessions
from ccjk.models.entities import User
from ccjk.store import keyring, limits, login_codes, mail
from ccjk.store import users as user_data
from suite.errors import ApiError, ServiceUnavailable, TooManyRequests, Unauthorized

CODE_TTL_SECONDS = 600
MAX_ATTEMPTS = 5
CODES_PER_EMAIL = 5  # per 15 minutes
CODES_PER_ADDRESS = 30  # per hour, one client address across e-mails
VERIFIES_PER_ADDRESS = 60  # per 15 minutes
INVALID_CODE = "Invalid or expired code"
SENT = "Verification code sent to your email"


def _throttle(key: str, limit: int, window: int, message: str) -> None:
    decision = limits.hit(key, limit=limit, window_seconds=window)
    if not decision.allowed:
        raise TooManyRequests(message, retry_after=decision.retry_after)


def _code_hmac(email: str, code: str, kid: str | None = None) -> tuple[str, str] | None:
    """(kid, hex HMAC) of a code for an address, under the keyring's active key or the named one; None when that
    key is gone (rotated out: the code is void)."""
    ring = keyring.user_keyring()
    kid = kid or ring.active_kid
    key = ring.get(kid)
    if key is None:
        return None
    digest = hmac.new(key, f"ccjk-login-code\n{email}\n{code}".encode(), hashlib.sha256).hexdigest()
    return kid, digest


def request_code(email_text: str, *, source_ip: str) -> dict[str, Any]:
    """Mail a new code to the address (replacing any earlier one)."""
    email = accounts.normalise_email(email_text)
    _throttle(f"login-code#ip#{source_ip}", CODES_PER_ADDRESS, 3600, "Too many codes requested, try again later")
    _throttle(f"login-code#email#{email}", CODES_PER_EMAIL, 900, "Too many codes requested, try again later")
    code = ids.login_code()
    issued = _code_hmac(email, code)
    if issued is None:  # the active key is always in the keyring
        raise ServiceUnavailable("Sign-in is not available right now", code="KEYRING_UNAVAILABLE")
    kid, digest = issued
    now = clock.now()
    login_codes.put(email, code_id=ids.sortable("code_"), code_hmac=digest, kid=kid, issued_at=clock.iso(now),
                    expires_at=int(now) + CODE_TTL_SECONDS)
    text = (f"Your ccjk sign-in code is {code}.\n\nIt expires in ten minutes and works once. If you did not try "
            "to sign in, ignore this mail.")
    try:
        mail.send(mail.EmailMessage(to=email, subject="Your ccjk sign-in code", text=text,
                                    tags={"kind": "login-code"}))
    except Exception:
        raise ServiceUnavailable("The code could not be sent, try again", code="MAIL_UNAVAILABLE") from None
    return {"sent": True, "expiresIn": CODE_TTL_SECONDS}


def _refused() -> ApiError:
    return Unauthorized(INVALID_CODE, code="INVALID_CODE")


def verify(email_text: str, code: str, *, source_ip: str) -> dict[str, Any]:
    """A session for the right code: the account of that address (created on its first sign-in)."""
    email = accounts.normalise_email(email_text)
    _throttle(f"login-verify#ip#{source_ip}", VERIFIES_PER_ADDRESS, 900, "Too many attempts, try again later")
    code = code.strip()
    if len(code) != ids.LOGIN_CODE_DIGITS or not code.isascii() or not code.isdigit():
        raise _refused()  # malformed: no guess at the stored code, so no attempt is counted
    stored = login_codes.take_attempt(email, now=int(clock.now()), max_attempts=MAX_ATTEMPTS)
    if stored is None:
        raise _refused()
    expected = _code_hmac(email, code, stored.get("kid"))
    if expected is None or not hmac.compare_digest(expected[1], str(stored.get("code_hmac", ""))):
        raise _refused()
    if not login_codes.mark_used(email, str(stored["code_id"])):
        raise _refused()  # a parallel verify used it first
    user = _account(email)
    token, expires_at = sessions.issue(user.user_id)
    return {"token": token, "expiresAt": expires_at, "user": accounts.user_view(user)}


def _account(email: str) -> User:
    found = user_data.by_email(email)
    if found is not None:
        return found
    user = User(user_id=ids.user_id(), email=email, name=email.split("@", 1)[0], password_hash="",
                tier=accounts.DEFAULT_TIER, created_at=clock.iso())
    try:
        user_data.create(user)
    except user_data.EmailTaken:  # created by a parallel request (or a password registration) meanwhile
        found = user_data.by_email(email)
        if found is None:
            raise
        return found
    return user
