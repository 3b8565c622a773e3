"""Accounts: register with an e-mail code, activate, sign in with a cookie session, status, logout, reset."""

from __future__ import annotations

from tests.integration.certctrl.support import (
    PASSWORD,
    last_code,
    login,
    mails,
    new_account,
    register,
    session_cookie,
    unique,
)


def test_register_activate_login_status_logout(client):
    name = unique()
    email = f"{name}@Example.com"
    answer = register(client, email, name, country_of_residence="DE")
    assert answer.json == {"data": {"status": "waiting_for_verification"}}
    assert login(client, email).status == 403  # not activated yet
    code = last_code(client, email.lower())
    assert client.post("/auth/general", {"action": "activate-user", "email": email, "verify_code": code}).json == \
        {"data": {"status": "activation_successful"}}
    signed_in = login(client, email)
    assert signed_in.status == 200
    user = signed_in.json["data"]["user"]
    assert signed_in.json["data"]["to"] == "/"
    assert isinstance(user["id"], int)
    assert user["email"] == email.lower()
    assert user["roles"] == []
    cookie_header = next(c for c in signed_in.raw["cookies"] if c.startswith("cjj365="))
    for attribute in ("HttpOnly", "Secure", "SameSite=Lax", "Path=/"):
        assert attribute in cookie_header
    session_id = session_cookie(signed_in)
    assert session_id not in signed_in.text  # the id is only in the cookie

    status = client.get("/auth/status", headers={"Cookie": f"cjj365={session_id}"})
    assert status.status == 200
    data = status.json["data"]
    assert data["user"]["id"] == user["id"]
    assert data["amr"] == ["pwd"]
    assert data["mfa"] is False
    assert isinstance(data["auth_time"], int)

    out = client.post("/auth/logout", headers={"Cookie": f"cjj365={session_id}"})
    assert out.json == {"data": {"status": "logged_out"}}
    assert any("Max-Age=0" in c for c in out.raw["cookies"])
    after = client.get("/auth/status", headers={"Cookie": f"cjj365={session_id}"})
    assert after.status == 200
    assert after.json == {"error": {"code": 999999, "what": "Not logged in"}}
    assert client.post("/auth/logout", headers={"Cookie": f"cjj365={session_id}"}).status == 401


def test_status_without_a_cookie_is_not_an_error(client):
    answer = client.get("/auth/status")
    assert answer.status == 200
    assert answer.json["error"]["code"] == 999999


def test_password_and_name_rules(client):
    name = unique()
    weak = register(client, f"{name}@example.com", name, password="short")
    assert weak.status == 400
    assert "at least 12 characters" in weak.json["error"]["what"]
    no_symbol = register(client, f"{name}@example.com", name, password="Abcdefghijk1")
    assert no_symbol.status == 400
    assert "a symbol" in no_symbol.json["error"]["what"]
    bad_name = register(client, f"{name}@example.com", "a b", password=PASSWORD)
    assert bad_name.status == 400
    assert "name" in bad_name.json["error"]["what"]


def test_an_active_address_cannot_register_again_and_names_are_unique(client):
    account = new_account(client)
    again = register(client, account.email, unique())
    assert again.status == 409
    other = unique()
    taken = register(client, f"{other}@example.com", account.name.upper())
    assert taken.status == 409
    assert "name" in taken.json["error"]["what"]
    assert client.get("/auth/general", query={"name": account.name}).json == \
        {"data": {"name": account.name, "available": False}}
    assert client.get("/auth/general", query={"name": other}).json["data"]["available"] is True


def test_registering_an_inactive_address_again_replaces_the_attempt(client):
    name = unique()
    email = f"{name}@example.com"
    register(client, email, name)
    first = last_code(client, email)
    new_name = unique()
    assert register(client, email, new_name, password="Another-Pass-77").status == 200
    second = last_code(client, email)
    if first != second:
        wrong = client.post("/auth/general", {"action": "activate-user", "email": email, "verify_code": first})
        assert wrong.status == 400
    assert client.post("/auth/general", {"action": "activate-user", "email": email,
                                         "verify_code": second}).status == 200
    assert login(client, email, "Another-Pass-77").status == 200
    assert login(client, email).status == 401
    assert client.get("/auth/general", query={"name": name}).json["data"]["available"] is True


def test_a_code_dies_after_five_wrong_guesses(client):
    name = unique()
    email = f"{name}@example.com"
    register(client, email, name)
    code = last_code(client, email)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert client.post("/auth/general", {"action": "activate-user", "email": email,
                                             "verify_code": wrong}).status == 400
    assert client.post("/auth/general", {"action": "activate-user", "email": email,
                                         "verify_code": code}).status == 400


def test_password_reset_ends_every_session(client):
    account = new_account(client)
    other_session = session_cookie(login(client, account.email))
    unknown = client.post("/auth/general", {"action": "request-reset-password", "email": "nobody@example.com"})
    assert unknown.json == {"data": {"status": "reset_code_sent"}}
    assert mails(client, "nobody@example.com") == []
    sent = client.post("/auth/general", {"action": "request-reset-password", "email": account.email})
    assert sent.json == {"data": {"status": "reset_code_sent"}}
    code = last_code(client, account.email)
    weak = client.post("/auth/general", {"action": "reset-password", "email": account.email, "verify_code": code,
                                         "new_password": "weak"})
    assert weak.status == 400
    done = client.post("/auth/general", {"action": "reset-password", "email": account.email, "verify_code": code,
                                         "new_password": "Brand-New-Pass-42"})
    assert done.json == {"data": {"status": "password_reset_success"}}
    for cookie in (account.cookie, other_session):
        assert client.get("/auth/status", headers={"Cookie": f"cjj365={cookie}"}).json["error"]["code"] == 999999
    assert login(client, account.email).status == 401
    assert login(client, account.email, "Brand-New-Pass-42").status == 200
    again = client.post("/auth/general", {"action": "reset-password", "email": account.email, "verify_code": code,
                                          "new_password": "Brand-New-Pass-43"})
    assert again.status == 400  # the code was used


def test_five_wrong_passwords_lock_the_account_for_a_while(client):
    account = new_account(client)
    for _ in range(5):
        assert login(client, account.email, "Wrong-Password-1").status == 401
    locked = login(client, account.email)
    assert locked.status == 429
    assert int(locked.headers["retry-after"]) > 0


def test_profile_and_bindings(client):
    account = new_account(client)
    profile = client.get("/auth/profile", headers=account.headers)
    assert profile.status == 200
    data = profile.json["data"]
    assert data["user"]["id"] == account.user_id
    assert data["user"]["state"] == "ACTIVE"
    assert data["devices"] == {"count": 0}
    assert data["apikeys"] == {"count": 0}
    assert client.get("/auth/third-party-bindings", headers=account.headers).json == {"data": []}
    assert client.get("/auth/profile").status == 401


def test_unknown_action_is_a_400(client):
    answer = client.post("/auth/general", {"action": "fly"})
    assert answer.status == 400
    assert set(answer.json["error"]) == {"code", "what"}
