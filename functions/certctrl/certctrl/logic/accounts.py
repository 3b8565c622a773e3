"""Accounts: register with an e-mail code, activate, sign in, reset the password, name availability, profile.

Rules (the notes, §2): a password has at least 12 characters with an upper-case letter, a lower-case letter, a
digit and a symbol; a name has 3–64 characters of `[A-Za-z0-9._-]` and is unique (case-insensitively), as is
the e-mail address. A new account is INACTIVE until the 6-digit code sent to its address is entered (30
minutes, 5 attempts). Registering again an address that was never activated replaces that attempt (new
password, name and code: only the code proves the address); an active address gets 409.

Rate limits (429 with Retry-After): sign-in 30 per minute per address and IP, and 5 failed passwords per
account per 15 minutes; registration 10 per hour per IP and 5 per hour per address; reset requests 5 per hour
per address and 20 per hour per IP; code checks 30 per 15 minutes per IP. An unknown address signs in as
slowly as a wrong password and a reset request never says whether the address exists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from certctrl import clock, ids
from certctrl.logic import sessions
from certctrl.models.entities import EmailCode, User
from certctrl.store import counters, limits, mail, users
from suite.errors import ApiError, BadRequest, Conflict, Forbidden, TooManyRequests, Unauthorized
from suite.security import passwords
from suite.security.opaque_tokens import digest_matches

PASSWORD_MIN = 12
PASSWORD_MAX = 128
NAME = re.compile(r"^[A-Za-z0-9._-]{3,64}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
CODE_SECONDS = 30 * 60
CODE_ATTEMPTS = 5


@dataclass(frozen=True)
class SignedIn:
    user: User
    session_id: str  # goes into the cookie, never into JSON


# ------------------------------------------------------------------------------------------------- checks

def normalize_email(email: str) -> str:
    value = email.strip().lower()
    if len(value) > 254 or not EMAIL.match(value):
        raise BadRequest("email: not a valid e-mail address")
    return value


def check_name(name: str) -> str:
    value = name.strip()
    if not NAME.match(value):
        raise BadRequest("name: 3-64 characters of letters, digits, '.', '_' or '-'")
    return value


def check_password(password: str, field: str = "password") -> str:
    problems = []
    if len(password) < PASSWORD_MIN:
        problems.append(f"at least {PASSWORD_MIN} characters")
    if len(password) > PASSWORD_MAX:
        problems.append(f"at most {PASSWORD_MAX} characters")
    if not re.search(r"[A-Z]", password):
        problems.append("an upper-case letter")
    if not re.search(r"[a-z]", password):
        problems.append("a lower-case letter")
    if not re.search(r"[0-9]", password):
        problems.append("a digit")
    if not re.search(r"[^A-Za-z0-9]", password):
        problems.append("a symbol")
    if problems:
        raise BadRequest(f"{field}: needs " + ", ".join(problems))
    return password


def _limit(key: str, *, limit: int, window_seconds: int) -> None:
    decision = limits.hit(key, limit=limit, window_seconds=window_seconds)
    if not decision.allowed:
        raise TooManyRequests("Too many requests; try again later", retry_after=decision.retry_after,
                              details={"params": {"retry_after": decision.retry_after}})


# ----------------------------------------------------------------------------------------------- register

def _new_code(user_id: int, purpose: str) -> tuple[str, EmailCode]:
    code = ids.email_code()
    now = clock.epoch()
    item = EmailCode(users.user_key(user_id), f"CODE#{purpose}", digest=ids.digest(f"{user_id}:{code}"),
                     attempts=0, created_at=now, expires_at=now + CODE_SECONDS)
    return code, item


def _send_code(email: str, code: str, purpose: str) -> None:
    if purpose == "activate":
        subject, intro = "Activate your cert-ctrl account", "Enter this code to activate your cert-ctrl account"
    else:
        subject, intro = "Reset your cert-ctrl password", "Enter this code to choose a new cert-ctrl password"
    text = f"{intro}: {code}\n\nIt is valid for {CODE_SECONDS // 60} minutes. If you did not ask for it, ignore " \
           "this message."
    mail.send(mail.EmailMessage(to=email, subject=subject, text=text, tags={"kind": purpose}))


def register(email: str, password: str, name: str, country: str | None, *, ip: str) -> str:
    email = normalize_email(email)
    name = check_name(name)
    check_password(password)
    _limit(f"register-ip#{ip}", limit=10, window_seconds=3600)
    _limit(f"register#{email}", limit=5, window_seconds=3600)
    existing = users.by_email(email)
    now_ms = clock.epoch_ms()
    password_hash = passwords.hash_password(password)
    if existing is not None:
        if existing.state != "INACTIVE":
            raise Conflict("An account with this e-mail address already exists", code="409")
        owner = users.name_owner(name)
        if owner is not None and owner != existing.id:
            raise Conflict("This name is taken", code="409")
        old_name = existing.name
        existing.name, existing.password_hash = name, password_hash
        existing.country_of_residence = country or existing.country_of_residence
        existing.updated_at_ms = now_ms
        code, item = _new_code(existing.id, "activate")
        try:
            users.replace_inactive(existing, old_name=old_name, code=item)
        except users.Taken as taken:
            raise Conflict("This name is taken" if "name" in taken.what else
                           "An account with this e-mail address already exists", code="409") from None
        _send_code(email, code, "activate")
        return "waiting_for_verification"
    if users.name_owner(name) is not None:
        raise Conflict("This name is taken", code="409")
    user = User(users.user_key(0), "USER", id=0, email=email, name=name, password_hash=password_hash,
                state="INACTIVE", roles=[], country_of_residence=country, session_epoch=0, created_at_ms=now_ms,
                updated_at_ms=now_ms)
    user.id = counters.next_id("users")
    user.pk = users.user_key(user.id)
    code, item = _new_code(user.id, "activate")
    try:
        users.create(user, item)
    except users.Taken as taken:
        raise Conflict("This name is taken" if taken.what == "name" else
                       "An account with this e-mail address already exists", code="409") from None
    _send_code(email, code, "activate")
    return "waiting_for_verification"


def _check_code(user: User | None, purpose: str, code: str, *, ip: str) -> None:
    _limit(f"code-ip#{ip}", limit=30, window_seconds=900)
    wrong = BadRequest("The code is wrong or has expired", code="400")
    if user is None:
        raise wrong
    item = users.get_code(user.id, purpose)
    if item is None or item.expires_at <= clock.epoch():
        raise wrong
    if not digest_matches(f"{user.id}:{code.strip()}", item.digest):
        users.count_attempt(item, limit=CODE_ATTEMPTS)
        raise wrong


def activate(email: str, code: str, *, ip: str) -> str:
    user = users.by_email(normalize_email(email))
    if user is not None and user.state == "ACTIVE":
        return "activation_successful"  # a second click on the same link changes nothing
    _check_code(user, "activate", code, ip=ip)
    users.activate(user.id, now_ms=clock.epoch_ms())
    return "activation_successful"


def request_reset(email: str, *, ip: str) -> str:
    email = normalize_email(email)
    _limit(f"reset-ip#{ip}", limit=20, window_seconds=3600)
    _limit(f"reset#{email}", limit=5, window_seconds=3600)
    user = users.by_email(email)
    if user is not None and user.state == "ACTIVE":
        code, item = _new_code(user.id, "reset")
        users.save_code(item)
        _send_code(email, code, "reset")
    return "reset_code_sent"


def reset_password(email: str, code: str, new_password: str, *, ip: str) -> str:
    check_password(new_password, "new_password")
    user = users.by_email(normalize_email(email))
    _check_code(user, "reset", code, ip=ip)
    users.set_password(user.id, passwords.hash_password(new_password), now_ms=clock.epoch_ms())
    return "password_reset_success"


# ------------------------------------------------------------------------------------------------ sign in

def login(email: str, password: str, *, ip: str, user_agent: str | None) -> SignedIn:
    if len(password) > PASSWORD_MAX:
        raise Unauthorized("Wrong e-mail address or password", code="401")
    email = email.strip().lower()
    _limit(f"login-ip#{ip}", limit=30, window_seconds=60)
    failures_key = f"login-fail#{email}"
    if limits.count(failures_key, window_seconds=900) >= 5:
        _limit(failures_key, limit=5, window_seconds=900)  # refused: says how long until the window ends
    user = users.by_email(email) if EMAIL.match(email) else None
    if user is None:
        passwords.dummy_verify(password)
        limits.hit(failures_key, limit=1_000_000, window_seconds=900)
        raise Unauthorized("Wrong e-mail address or password", code="401")
    if not passwords.verify_password(user.password_hash, password):
        limits.hit(failures_key, limit=1_000_000, window_seconds=900)
        raise Unauthorized("Wrong e-mail address or password", code="401")
    if user.state != "ACTIVE":
        raise Forbidden("The account is not activated yet: enter the code sent to your e-mail address",
                        code="403")
    if passwords.needs_rehash(user.password_hash):
        users.update_password_hash(user.id, passwords.hash_password(password))
    session_id = sessions.start(user, amr=["pwd"], ip=ip, user_agent=user_agent)
    return SignedIn(user=user, session_id=session_id)


def name_available(name: str, *, ip: str) -> bool:
    _limit(f"name-ip#{ip}", limit=60, window_seconds=60)
    if not NAME.match(name.strip()):
        return False
    return users.name_owner(name.strip()) is None


def get_user(user_id: int) -> User:
    user = users.get(user_id)
    if user is None:
        raise ApiError("Account not found", status=404, code="404")
    return user


# ------------------------------------------------------------------------------------ issue 20: the admin's resend

def resend_activation(user_id: int) -> User:
    """A new activation code mailed to an account that is not active yet (the admin's resend; the old code stops
    working). 404 for an unknown user, 409 for an active one."""
    user = get_user(user_id)
    if user.state != "INACTIVE":
        raise Conflict("The account is active already", code="409")
    code, item = _new_code(user.id, "activate")
    users.save_code(item)
    _send_code(user.email, code, "activate")
    return user
