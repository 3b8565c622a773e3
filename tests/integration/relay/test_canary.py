"""Canaries: API keys, upstream credentials, proxy passwords and user passwords appear in no response, no
log line and no exported or stored item (operation logs, request logs, every relay table; sealed values are
ciphertext)."""

from __future__ import annotations

import json
import logging
import re
import uuid

import pytest

from devstack.fake_provider import FakeProvider
from suite import aws
from tests.integration.relay.support import Relay, provider_overrides
from tests.support.fuzz import operation_labels
from tests.support.moto_stack import service_tables

CREDENTIALS = {
    "api_key": "sk-ant-api03-CANARY1-apikey", "access_token": "sk-ant-oat01-CANARY2-access",
    "refresh_token": "sk-ant-ort01-CANARY3-refresh", "session_key": "sk-ant-sid01-CANARY4-session",
    "aws_secret_key": "CANARY5awssecretkey", "api_secret": "CANARY6-api-secret",
}
PROXY_PASSWORD = "CANARY7-proxy-password"
USER_PASSWORD = "CANARY8-user-password"


@pytest.fixture
def canaries(moto_stack, monkeypatch, empty_relay, admin):
    with FakeProvider() as fake:
        fake.respond(json={"data": []})
        relay = Relay(moto_stack, monkeypatch, **provider_overrides(fake.url))
        secrets: list[str] = [*CREDENTIALS.values(), PROXY_PASSWORD, USER_PASSWORD]
        name = f"canary-{uuid.uuid4().hex[:8]}"
        person = relay.post("/api/admin/users", admin, {"username": name, "password": USER_PASSWORD}).json
        login = relay.post("/api/auth/login", body={"username": name, "password": USER_PASSWORD}).json
        headers = {"Authorization": f"Bearer {login['data']['token']}"}
        key = relay.post("/api/api-keys", headers=headers, body={"name": "canary"}).json["data"]["key"]
        admin_key = relay.post(f"/api/admin/users/{person['data']['id']}/api-keys", admin, {"name": "k2"}).json
        secrets += [key, admin_key["data"]["key"]]
        account = relay.post("/api/admin/accounts", admin, {"name": "canary", "type": "claude-official",
                                                            "base_url": fake.url, **CREDENTIALS}).json["data"]
        proxy = relay.post("/api/admin/proxy-configs", admin, {"name": "canary", "host": "proxy.example",
                                                               "port": 3128, "username": "u",
                                                               "password": PROXY_PASSWORD}).json["data"]
        relay.post(f"/api/admin/accounts/{account['id']}/health-check", admin)
        relay.put(f"/api/admin/accounts/{account['id']}", admin, {"api_key": "****", "name": "canary-2"})
        relay.traffic(user_id=person["data"]["id"], account_id=account["id"], model="claude-sonnet-4-5-20250929",
                      input_tokens=1, user_agent="canary-test")
        ids = {"id": account["id"], "user_id": person["data"]["id"], "keyId": 1, "accountId": account["id"],
               "sessionId": "x", "code": "401", "category": "security"}
        yield relay, secrets, headers, ids, proxy


def _leaks(text: str, secrets: list[str]) -> list[str]:
    return [s for s in secrets if s in text]


def test_no_response_holds_a_secret(canaries, admin, capsys, caplog):
    relay, secrets, user_headers, ids, proxy = canaries
    caplog.set_level(logging.DEBUG)
    leaks = []
    for label in operation_labels("relay"):
        method, path = label.split(" ", 1)
        if method != "GET":
            continue
        concrete = re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m.group(1), 1)), path)
        if concrete.startswith("/api/admin/proxy-configs/") and concrete.endswith("/1"):
            concrete = f"/api/admin/proxy-configs/{proxy['id']}"
        headers = admin.headers if path.startswith("/api/admin/") else user_headers
        answer = relay.get(concrete, headers=headers)
        leaks += [(label, s) for s in _leaks(answer.text, secrets)]
    assert leaks == []
    captured = capsys.readouterr()
    logged = captured.out + captured.err + "\n".join(r.getMessage() for r in caplog.records)
    assert _leaks(logged, secrets) == []


def test_no_stored_or_exported_item_holds_a_secret(canaries, moto_stack, admin):
    relay, secrets, _, _, _ = canaries
    relay.env()
    dynamodb = aws.client("dynamodb")
    dumped = []
    for table in service_tables(moto_stack, "relay"):
        for page in dynamodb.get_paginator("scan").paginate(TableName=table):
            dumped += page["Items"]
    text = json.dumps(dumped)
    assert len(dumped) > 10
    assert _leaks(text, secrets) == []
    oplogs = relay.get("/api/admin/operation-logs", admin, query={"page_size": 100}).text
    assert "****" in oplogs, "secret fields of request bodies are masked"
    assert _leaks(oplogs, secrets) == []
    exported = relay.get("/api/admin/logs", admin, query={"page_size": 100}).text
    assert _leaks(exported, secrets) == []
