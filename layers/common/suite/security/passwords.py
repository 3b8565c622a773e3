"""argon2id password hashing.

Production uses the RFC 9106 low-memory profile (t=3, m=64 MiB, p=4), which is above the OWASP minimum
(19 MiB, t=2, p=1) and costs roughly 100 ms per hash. Give the login function enough memory for it.

``PASSWORD_HASH_PROFILE=fast`` switches to argon2's cheapest profile so the test suite does not spend 100 ms per
hash. It is for tests only: never set it in a deployed function. Unset (or ``production``) means production.
The variable is read once, when the first hash or verify runs.

Passwords that must be replayed to a third party (e.g. KOOK logins) are not hashed; encrypt those with
``secret_box``.
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets

from argon2 import PasswordHasher, Type, profiles
from argon2.exceptions import InvalidHashError, VerificationError

PRODUCTION_PARAMETERS = profiles.RFC_9106_LOW_MEMORY
TEST_PARAMETERS = profiles.CHEAPEST
PROFILE_ENV = "PASSWORD_HASH_PROFILE"
MAX_PASSWORD_LENGTH = 1024  # argon2 accepts any length; capping it stops multi-MB "passwords" from costing CPU


@functools.cache
def _hasher() -> PasswordHasher:
    # Created lazily once: reading the environment at import would fix the profile before tests configure it.
    profile = os.environ.get(PROFILE_ENV, "").strip().lower()
    if profile == "fast":
        params = TEST_PARAMETERS
    elif profile in {"", "production"}:
        params = PRODUCTION_PARAMETERS
    else:
        raise ValueError(f"{PROFILE_ENV} must be 'production' or 'fast', not {profile!r}")
    if params.type is not Type.ID:
        raise ValueError("only argon2id is allowed")
    return PasswordHasher.from_parameters(params)


@functools.cache
def _dummy_hash() -> str:
    # Made with the live parameters, so a dummy verify costs exactly what a real one does.
    return _hasher().hash(secrets.token_urlsafe(16))


def reset() -> None:
    """Forget the hasher (tests switch ``PASSWORD_HASH_PROFILE``)."""
    _hasher.cache_clear()
    _dummy_hash.cache_clear()


def _check_length(password: str) -> None:
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValueError(f"password longer than {MAX_PASSWORD_LENGTH} characters")


def hash_password(password: str) -> str:
    """Return an encoded ``$argon2id$...`` hash with a fresh random salt."""
    _check_length(password)
    return _hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """True only for the right password. A mismatch or a malformed/foreign hash gives False, never an exception."""
    _check_length(password)
    if not isinstance(stored_hash, str) or not stored_hash:
        return False
    try:
        return _hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):  # VerifyMismatchError is a VerificationError
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with other parameters: rehash after the next successful login."""
    if not isinstance(stored_hash, str):
        return True
    try:
        return _hasher().check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True  # unreadable: replace it at the next chance


def dummy_verify(password: str) -> None:
    """Spend one verify's worth of time, so an unknown user answers as slowly as a wrong password."""
    _check_length(password)
    with contextlib.suppress(VerificationError):  # a mismatch is the expected outcome; the time spent is the point
        _hasher().verify(_dummy_hash(), password)
