"""relay through the local stack as a process: the stack seeds itself (Metadata.LocalDev.Seed), so the
admin printed in the log signs in and sees the default catalogue over HTTP."""

from __future__ import annotations

import re

import pytest
import requests

from tests.support.devstack_process import DevStackProcess, wait_until
from tests.support.lambda_events import REPO_ROOT

TABLE = "suite-local-RelayApp-RelayTable"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    process = DevStackProcess(REPO_ROOT / "template.yaml", tmp_path_factory.mktemp("relay"), "--no-schedules",
                              "--only", "relay").start()
    try:
        yield process
    finally:
        process.stop()


def test_make_dev_gives_a_working_relay(stack):
    found = re.search(r"relay seed: relay: created admin 'admin' with password (\S+)", stack.logs())
    assert found, stack.logs()[-3000:]
    assert "relay seed: relay: added 18 default models" in stack.logs()
    # the captcha is on by default; an operator would read it, the test switches it off in the table
    stack.aws("dynamodb").put_item(TableName=TABLE, Item={
        "pk": {"S": "CONFIG"}, "sk": {"S": "SYS#captcha_enabled"}, "key": {"S": "captcha_enabled"},
        "value": {"S": "false"}, "category": {"S": "security"}, "updated_at": {"N": "0"}})
    base = stack.url("relay")
    assert requests.get(f"{base}/health", timeout=30).json() == {"status": "ok"}
    login = requests.post(f"{base}/api/auth/login", json={"username": "admin", "password": found.group(1)},
                          timeout=30)
    assert login.status_code == 200, login.text
    token = login.json()["data"]["token"]
    models = requests.get(f"{base}/api/admin/models", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert models.status_code == 200
    assert len(models.json()["data"]) == 18


def test_the_relay_reads_its_own_logs_locally(stack):
    """make dev mirrors function output into the local CloudWatch Logs: the system-log routes find it."""
    found = re.search(r"relay seed: relay: created admin 'admin' with password (\S+)", stack.logs())
    base = stack.url("relay")
    token = requests.post(f"{base}/api/auth/login", json={"username": "admin", "password": found.group(1)},
                          timeout=30).json()["data"]["token"]
    headers = {"Authorization": f"Bearer {token}"}

    def auth_files():
        files = requests.get(f"{base}/api/admin/system-logs/files", params={"category": "Auth"}, headers=headers,
                             timeout=30).json()["data"]["files"]
        return files or None

    files = wait_until(auth_files, timeout=20, message="the Auth function's log in the local CloudWatch Logs")
    read = requests.get(f"{base}/api/admin/system-logs/read", params={"file": files[0]["name"]}, headers=headers,
                        timeout=30).json()["data"]
    assert read["total_lines"] > 0
