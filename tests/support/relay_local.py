"""A local relay (`python -m devstack up`, tests/support/devstack_process.py) made ready for proxy traffic the
way an operator does it: the admin the stack seeded signs in, then creates users, upstream accounts and a
user's `sk-` keys through the API. Used by tests/e2e/relay and bench/relay_overhead.py.

    stack = DevStackProcess(REPO_ROOT / "template.yaml", workdir, "--only", "relay", "--no-schedules",
                            "--env", f"RELAY_TRUSTED_ORIGINS={fake.url}").start()
    relay = LocalRelay(stack)
    user = relay.user()
    relay.account(type="claude-console", base_url=fake.url, api_key="sk-ant-upstream")
    key = relay.key(user)
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import requests

from tests.support.devstack_process import DevStackProcess

RELAY_TABLE = "suite-local-RelayApp-RelayTable"  # the local stack's name for RelayTable
SEEDED = re.compile(r"relay seed: relay: created admin 'admin' with password (\S+)")
PASSWORD = "local-relay-password"


@dataclass
class LocalUser:
    id: int
    username: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class LocalRelay:
    def __init__(self, stack: DevStackProcess) -> None:
        self.stack = stack
        self.base = stack.url("relay")
        found = SEEDED.search(stack.logs())
        if not found:
            raise RuntimeError(f"the relay seed printed no admin password:\n{stack.logs()[-3000:]}")
        self.set_config("captcha_enabled", "false")  # an operator reads the captcha; a script turns it off
        self.set_config("login_rate_limit_enable", "false")
        self.admin = self.sign_in("admin", found.group(1))
        self.accounts: list[int] = []

    def set_config(self, key: str, value: str) -> None:
        self.stack.aws("dynamodb").put_item(TableName=RELAY_TABLE, Item={
            "pk": {"S": "CONFIG"}, "sk": {"S": f"SYS#{key}"}, "key": {"S": key}, "value": {"S": value},
            "category": {"S": "security"}, "updated_at": {"N": "0"}})

    def call(self, method: str, path: str, who: LocalUser | None = None, body: Any = None,
             expect: tuple[int, ...] = (200, 201)) -> Any:
        answer = requests.request(method, self.base + path, json=body, headers=who.headers if who else {},
                                  timeout=60)
        if answer.status_code not in expect:
            raise AssertionError(f"{method} {path}: {answer.status_code} {answer.text[:500]}")
        return answer.json().get("data") if answer.content else None

    def sign_in(self, username: str, password: str) -> LocalUser:
        data = self.call("POST", "/api/auth/login", body={"username": username, "password": password})
        return LocalUser(int(data["user"]["id"]), username, data["token"])

    def user(self, **fields: Any) -> LocalUser:
        name = f"user-{uuid.uuid4().hex[:8]}"
        made = self.call("POST", "/api/admin/users", self.admin, {"username": name, "password": PASSWORD, **fields})
        return LocalUser(int(made["id"]), name, self.sign_in(name, PASSWORD).token)

    def account(self, **fields: Any) -> dict[str, Any]:
        made = self.call("POST", "/api/admin/accounts", self.admin, {"name": f"acct-{uuid.uuid4().hex[:6]}",
                                                                     **fields})
        self.accounts.append(int(made["id"]))
        return made

    def forget_accounts(self) -> None:
        """Delete the accounts made here (so the next test's pool holds only its own)."""
        while self.accounts:
            self.call("DELETE", f"/api/admin/accounts/{self.accounts.pop()}", self.admin)

    def key(self, owner: LocalUser, **fields: Any) -> str:
        return self.call("POST", "/api/api-keys", owner, {"name": f"key-{uuid.uuid4().hex[:6]}", **fields})["key"]
