"""Helpers of the certctrl integration tests: accounts through the real routes, codes read from the mail outbox."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from suite import mail
from tests.support.api_client import Answer, ApiClient

PASSWORD = "Correct-Horse-9-Battery"


def outbox_table(client: ApiClient) -> str:
    return client.stack.function("certctrl.AuthFunction").environment["MAIL_OUTBOX_TABLE"]


def mails(client: ApiClient, email: str) -> list[dict]:
    client.use_env("certctrl.AuthFunction")
    return mail.outbox_messages(outbox_table(client), email)


def last_code(client: ApiClient, email: str) -> str:
    text = mails(client, email)[-1]["text"]
    return re.search(r"\b(\d{6})\b", text).group(1)


def session_cookie(answer: Answer) -> str | None:
    for cookie in answer.raw.get("cookies") or []:
        name, _, rest = cookie.partition("=")
        if name == "cjj365":
            return rest.split(";", 1)[0]
    return None


def unique(prefix: str = "u") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


@dataclass
class Account:
    user_id: int
    email: str
    name: str
    password: str
    cookie: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Cookie": f"cjj365={self.cookie}"}


def register(client: ApiClient, email: str, name: str, password: str = PASSWORD, **extra) -> Answer:
    return client.post("/auth/general", {"action": "register", "email": email, "password": password, "name": name,
                                         **extra})


def login(client: ApiClient, email: str, password: str = PASSWORD) -> Answer:
    return client.post("/auth/general", {"action": "login", "email": email, "password": password})


def new_account(client: ApiClient, *, password: str = PASSWORD) -> Account:
    name = unique()
    email = f"{name}@example.com"
    assert register(client, email, name, password).status == 200
    answer = client.post("/auth/general", {"action": "activate-user", "email": email,
                                           "verify_code": last_code(client, email)})
    assert answer.json == {"data": {"status": "activation_successful"}}, answer.text
    signed_in = login(client, email, password)
    assert signed_in.status == 200, signed_in.text
    return Account(signed_in.json["data"]["user"]["id"], email, name, password, session_cookie(signed_in))


def api_key(client: ApiClient, account: Account, permissions: list[dict], **extra) -> tuple[int, str]:
    answer = client.post(f"/apiv1/users/{account.user_id}/apikeys",
                         {"name": "key", "permissions": permissions, **extra}, headers=account.headers)
    assert answer.status == 201, answer.text
    return answer.json["data"]["id"], answer.json["data"]["token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
