"""E-mail code sign-in (issue 18): codes by mail into the local outbox, single use, attempts limited even under
parallel guesses, sign-out revokes exactly the token presented, code-only accounts have no password."""

from __future__ import annotations

import re
import threading
import uuid

import pytest

from ccjk import seed
from ccjk.logic import email_signin
from ccjk.store import mail
from suite.errors import ApiError
from tests.integration.ccjk.conftest import raw_items

AUTH_FUNCTION = "ccjk.AuthFunction"


@pytest.fixture
def auth_env(client):
    """The AuthFunction's environment (the mail settings are its own)."""
    return client.use_env(AUTH_FUNCTION)


def address() -> str:
    return f"signin-{uuid.uuid4().hex[:12]}@example.com"


def latest_code(email: str) -> str:
    [code] = re.findall(r"(?<!\d)\d{6}(?!\d)", mail.outbox(email)[-1]["text"])
    return code


def sign_in(api, email: str) -> str:
    assert api.call("POST", "/auth/login", body={"email": email}).status == 200
    answer = api.call("POST", "/auth/verify", body={"email": email, "code": latest_code(email)})
    assert answer.status == 200, answer.body
    return answer.data["token"]


def test_login_without_password_mails_a_code_and_stores_only_its_hmac(api, auth_env):
    email = address()
    answer = api.call("POST", "/auth/login", body={"email": email.upper()})
    assert answer.status == 200
    assert answer.body == {"success": True, "data": {"sent": True, "expiresIn": 600},
                           "message": "Verification code sent to your email"}
    [sent] = mail.outbox(email)
    assert sent["subject"] == "Your ccjk sign-in code"
    code = latest_code(email)
    [stored] = raw_items(auth_env, f"LOGIN#{email}")
    assert code not in str(stored)
    assert set(stored) >= {"code_hmac", "kid", "attempts", "used", "expires_at"}


def test_parallel_wrong_guesses_never_exceed_five_attempts(api, auth_env):
    email = address()
    assert api.call("POST", "/auth/login", body={"email": email}).status == 200
    code = latest_code(email)
    wrong = f"{(int(code) + 7) % 1_000_000:06d}"
    outcomes: list[str] = []

    def guess(n: int) -> None:
        try:
            email_signin.verify(email, wrong, source_ip=f"203.0.113.{n}")
        except ApiError as refused:
            outcomes.append(refused.code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == ["INVALID_CODE"] * 12
    [stored] = raw_items(auth_env, f"LOGIN#{email}")
    assert stored["attempts"] == {"N": "5"}
    late = api.call("POST", "/auth/verify", body={"email": email, "code": code})
    assert late.status == 401  # burnt


def test_a_malformed_code_is_refused_without_spending_an_attempt(api, auth_env):
    email = address()
    assert api.call("POST", "/auth/login", body={"email": email}).status == 200
    for code in ("12345", "abcdef", "1234567", "１２３４５６"):
        refused = api.call("POST", "/auth/verify", body={"email": email, "code": code})
        assert (refused.status, refused.body["code"]) == (401, "INVALID_CODE")
    [stored] = raw_items(auth_env, f"LOGIN#{email}")
    assert stored["attempts"] == {"N": "0"}
    assert api.call("POST", "/auth/verify", body={"email": email, "code": latest_code(email)}).status == 200


def test_a_new_code_replaces_the_previous_one(api, auth_env):
    email = address()
    assert api.call("POST", "/auth/login", body={"email": email}).status == 200
    first = latest_code(email)
    assert api.call("POST", "/auth/login", body={"email": email}).status == 200
    second = latest_code(email)
    if first != second:
        assert api.call("POST", "/auth/verify", body={"email": email, "code": first}).status == 401
    assert api.call("POST", "/auth/verify", body={"email": email, "code": second}).status == 200


@pytest.mark.usefixtures("frozen_limits")
def test_codes_per_address_are_throttled(api, auth_env):
    email = address()
    for _ in range(email_signin.CODES_PER_EMAIL):
        assert api.call("POST", "/auth/login", body={"email": email}).status == 200
    refused = api.call("POST", "/auth/login", body={"email": email})
    assert refused.status == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert len(mail.outbox(email)) == email_signin.CODES_PER_EMAIL


def test_logout_revokes_only_the_token_presented(api, auth_env):
    email = address()
    first, second = sign_in(api, email), sign_in(api, email)
    assert api.call("POST", "/auth/logout", jwt=first).body == {"success": True,
                                                                  "message": "Logged out successfully"}
    assert api.call("GET", "/auth/me", jwt=first).status == 401
    assert api.call("POST", "/auth/logout", jwt=first).status == 401
    assert api.call("POST", "/bind/generate", jwt=first).status == 401
    assert api.call("GET", "/auth/me", jwt=second).status == 200


def test_an_account_made_by_code_has_no_password(api, auth_env):
    email = address()
    sign_in(api, email)
    refused = api.call("POST", "/auth/login", body={"email": email, "password": "anything-at-all"})
    assert (refused.status, refused.body["code"]) == (401, "INVALID_CREDENTIALS")
    again = api.call("POST", "/auth/register", body={"email": email, "password": "a-new-password"})
    assert (again.status, again.body["code"]) == (409, "EMAIL_EXISTS")


def test_the_seed_command_prints_the_outbox(api, auth_env, capsys):
    email = address()
    assert api.call("POST", "/auth/login", body={"email": email}).status == 200
    assert seed.main(["--outbox-table", auth_env["MAIL_OUTBOX_TABLE"], "outbox", email]) == 0
    printed = capsys.readouterr().out
    assert "Your ccjk sign-in code" in printed
    assert latest_code(email) in printed
