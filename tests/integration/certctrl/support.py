"""Helpers of the certctrl integration tests: accounts through the real routes, codes read from the mail outbox."""

from __future__ import annotations

import base64
import re
import uuid
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

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


def x25519_public_key_b64() -> str:
    raw = X25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def device_metadata(public_id: str | None = None, dev_pk: str | None = None) -> dict:
    return {"device_public_id": public_id or str(uuid.uuid4()), "platform": "linux", "model": "x86_64",
            "app_version": "1.2.3", "name": "CLI Device test", "ip": "192.0.2.10", "user_agent": "cert-ctrl/1.2.3",
            "dev_pk": dev_pk or x25519_public_key_b64()}


def approved_code(client: ApiClient, account: Account) -> tuple[str, dict]:
    """A device login approved by `account`, polled to `ready`: (registration code, the ready answer)."""
    start = client.post("/auth/device", {"action": "device_start", "scopes": ["openid"], "interval": 1,
                                         "expires_in": 600}).json["data"]
    verified = client.post("/auth/device", {"action": "device_verify", "user_code": start["user_code"],
                                            "approve": True}, headers=account.headers)
    assert verified.json == {"data": {"status": "approved"}}, verified.text
    ready = client.post("/auth/device", {"action": "device_poll", "device_code": start["device_code"]}).json["data"]
    assert ready["status"] == "ready", ready
    return ready["registration_code"], ready


@dataclass
class Registered:
    device_id: int
    public_id: str
    dev_pk: str
    access_token: str
    refresh_token: str
    body: dict

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.access_token)


def register_device(client: ApiClient, account: Account, **metadata) -> Registered:
    code, ready = approved_code(client, account)
    body = {**device_metadata(**metadata), "user_id": ready["user_id"], "registration_code": code}
    answer = client.post("/apiv1/device/registration", body)
    assert answer.status == 200, answer.text
    data = answer.json["data"]
    return Registered(data["device"]["id"], body["device_public_id"], body["dev_pk"],
                      data["session"]["access_token"], data["session"]["refresh_token"], data)
