"""Schemathesis on ccjk's own OpenAPI document, every operation, in process (tests/support/fuzz.py), with valid
credentials: a signed-in user's JWT and the token of one of that user's devices (with a WeCom robot pointing at a
fake) in every request. Every check that applies must pass: no 5xx, only declared statuses and content types,
bodies matching their schemas, auth enforced. Replay a failure with the seed in tests/support/fuzz.py
(FUZZ_SEED); fuzz harder with FUZZ_EXAMPLES=100.

Each operation gets a device of its own, so one operation's fuzzing (which may rename, rotate or delete its
device, or replace its channels) never changes what the next one sees. Routes that rotate or delete the caller's
device get a new one per example (else every example after the first would only meet a 401), and half the
examples of routes that take an id or a code get a real one, so the success answers are checked against their
schemas too, not only the 404s.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from schemathesis.checks import positive_data_acceptance

from ccjk.logic import control
from suite import aws
from tests.integration.ccjk.conftest import Robots, fresh_address, wecom_channel
from tests.integration.ccjk.replay import CALLBACK_SECRETS
from tests.support.api_client import ApiClient
from tests.support.fuzz import fuzz_operation, operation_labels, service_schema

PASSWORD = "fuzz-password-123"
_users = itertools.count(1)

# `positive_data_acceptance` (a schema-valid request must not be a 400) is left out only where ccjk answers 400
# for a rule a JSON Schema does not state: its envelope answers every invalid request with 400, schema or not.
RULES_THE_SCHEMA_DOES_NOT_STATE = {
    "POST /device/register": "the name is trimmed before its 1-100 length is checked",
    "PUT /device/channels": "a webhook must be the provider's own robot URL on the configured origin; a channel "
                            "listed twice, a new channel without a URL, or a WeCom secret is refused",
    "PUT /device/{deviceId}/channels": "the same rules as PUT /device/channels",
    "POST /notify": "content or body is required and not blank; a named channel must be configured and enabled; "
                    "data is at most 8 KB of JSON",
    "POST /notify/batch": "the rules of POST /notify",
    "GET /notify/history": "page and limit are integers >= 1 read by suite.pagination (documented as strings so "
                           "its messages stay as clients know them)",
    "GET /bind/devices": "page and limit, as GET /notify/history",
    "POST /auth/register": "the e-mail address's form is checked by the service",
    "POST /auth/login": "the e-mail address's form is checked by the service",
    "POST /auth/verify": "the e-mail address's form is checked by the service",
    "POST /bind/use": "a code is 6 characters of the code alphabet (malformed codes answer BIND_CODE_INVALID)",
    "POST /cloud-sync/push": "item ids are 1-200 characters, entries at most 64 KB, at most 500 per push, no "
                             "duplicates, at most 2000 items per user",
    "POST /cloud-sync/pull": "since must be an ISO-8601 timestamp",
    "POST /cloud-sync/resolve-conflict": "merging needs mergedContent unless both sides are objects; at most 64 KB",
    # issue 18, the real client's core
    "GET /reply/poll": "timeout is a number (seconds up to 60, else milliseconds) and since an ISO-8601 time",
    "GET /reply/history": "limit is an integer >= 1",
    "POST /reply/feishu": "the body is Feishu's JSON, read raw (the document cannot describe a platform's body)",
    "POST /api/control/mobile/send-card": "the channel must be one the device has configured",
    "POST /api/v1/handshake": "X-Device-ID, when sent, must name the same install as deviceId",
    "POST /api/v1/sync": "X-Device-ID, when sent, must name the same install as deviceId",
}

# A device of its own for every example where the route rotates or deletes the calling device; a user of its own
# (with a device) where the real ids cost a bind code of the caller's (10 per user per minute).
NEW_DEVICE_PER_EXAMPLE = {
    "POST /device/regenerate-token", "POST /device/token", "POST /device/{deviceId}/regenerate-token",
    "DELETE /device", "DELETE /device/{deviceId}",
    # a per-device quota of 10 a minute: each example its own device, so the answers stay successes
    "POST /api/control/devices/register", "POST /api/control/devices/heartbeat",
}
NEW_USER_PER_EXAMPLE = {"POST /bind/use", "GET /bind/status/{code}", "DELETE /bind/devices/{deviceId}",
                        "POST /auth/logout", "POST /notify/test"}


class Setup:
    """Creates what the fuzzed requests need, each from an address of its own (the service limits anonymous
    registrations per address, and bind codes per user: every device gets a user of its own)."""

    def __init__(self, client: ApiClient, robots: Robots) -> None:
        self.client = client
        self.robots = robots

    def call(self, method: str, path: str, body: Any = None, **headers: str) -> dict[str, Any]:
        answer = self.client.request(method, path, body, headers=headers, source_ip=fresh_address())
        assert answer.status in (200, 201, 202), (method, path, answer.status, answer.text)
        return answer.json.get("data") or {}

    def user(self) -> str:
        email = f"fuzz-{next(_users)}-{fresh_address()}@example.com"
        self.call("POST", "/auth/register", {"email": email, "password": PASSWORD})
        return self.call("POST", "/auth/login", {"email": email, "password": PASSWORD})["token"]

    def code(self, jwt: str) -> str:
        return self.call("POST", "/bind/generate", authorization=f"Bearer {jwt}")["code"]

    def device(self, jwt: str) -> tuple[str, str]:
        """A device bound to the user, with one enabled WeCom robot (so POST /notify can queue)."""
        bound = self.call("POST", "/bind/use", {"code": self.code(jwt), "device": {"name": "fuzzed"}})
        token = bound["deviceToken"]
        self.call("PUT", "/device/channels", {"channels": [wecom_channel(self.robots, "fuzz")]},
                  **{"x-device-token": token})
        return bound["deviceId"], token

    def anonymous_device(self) -> tuple[str, str]:
        registered = self.call("POST", "/device/register", {"name": "fuzzed", "type": "cli"})
        return registered["deviceId"], registered["token"]

    def notification_id(self, token: str) -> str:
        """A notification of the device that waits for a reply."""
        return self.call("POST", "/notify", {"content": "fuzz", "waitReply": True},
                         **{"x-device-token": token})["notificationId"]

    def command_id(self, device_id: str, token: str) -> str:
        """A command queued for the device: a card sent to its channel, and a click on it."""
        card = self.call("POST", "/api/control/mobile/send-card", {
            "deviceId": device_id, "channel": "wecom", "template": {
                "actions": [{"id": "status", "label": "Status", "command": "git status"}]}},
            **{"x-device-token": token})
        assert control.card_action(card["cardId"], "status", event_key=None)
        return self.call("GET", "/api/control/devices/pending", **{"x-device-token": token})["commands"][0]["id"]

    def conflict_id(self, jwt: str) -> str:
        """An open cloud-sync conflict of the user."""
        auth = {"authorization": f"Bearer {jwt}"}
        item = f"fuzz-{fresh_address()}"
        self.call("POST", "/cloud-sync/push", {"data": {"skills": [{"id": item, "v": 1}]}}, **auth)
        pushed = self.call("POST", "/cloud-sync/push", {"data": {"skills": [{"id": item, "v": 2}]}}, **auth)
        return pushed["conflicts"][0]["conflictId"]


@dataclass
class Caller:
    """The credentials every request of one operation carries (the dict is handed to schemathesis once and
    updated in place when an example needs a fresh device)."""

    setup: Setup
    jwt: str = ""
    device_id: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    def new_user(self) -> None:
        """A new user with a new device of theirs."""
        self.jwt = self.setup.user()
        self.device_id, token = self.setup.device(self.jwt)
        self.headers.update({"X-Device-Token": token, "Authorization": f"Bearer {self.jwt}"})

    def new_device(self) -> None:
        """A new device (registered, bound to nobody) for the same user."""
        self.device_id, token = self.setup.anonymous_device()
        self.headers["X-Device-Token"] = token


def real_path_ids(label: str, params: dict[str, Any], caller: Caller) -> None:
    setup = caller.setup
    token = caller.headers["X-Device-Token"]
    if "deviceId" in params:
        own = label == "DELETE /bind/devices/{deviceId}"
        params["deviceId"] = setup.device(caller.jwt)[0] if own else caller.device_id
    if "code" in params:
        params["code"] = setup.code(caller.jwt)
    if "notificationId" in params:
        params["notificationId"] = setup.notification_id(token)
    if "commandId" in params:
        params["commandId"] = setup.command_id(caller.device_id, token)


def real_body_ids(label: str, body: dict[str, Any], caller: Caller) -> None:
    setup = caller.setup
    if label == "POST /bind/use":
        body["code"] = setup.code(caller.jwt)
    if label == "POST /notify/batch":
        body["deviceIds"] = [caller.device_id]
    if label == "POST /cloud-sync/resolve-conflict":
        body["conflictId"] = setup.conflict_id(caller.jwt)
    if label == "POST /reply/manual":
        body["notificationId"] = setup.notification_id(caller.headers["X-Device-Token"])
    if label == "POST /api/control/mobile/send-card":
        body.update({"deviceId": caller.device_id, "channel": "wechat"})


def real_ids(label: str, caller: Caller) -> Callable[[Any], None]:
    """`prepare` for one operation: a fresh device where the route uses it up; a real id or code in every other
    example where the route takes one."""
    examples = itertools.count()

    def prepare(case: Any) -> None:
        n = next(examples)
        if label in NEW_USER_PER_EXAMPLE:
            caller.new_user()
        if label in NEW_DEVICE_PER_EXAMPLE:
            caller.new_device()
        if n % 2:
            return  # the generated values: unknown ids, odd strings
        real_path_ids(label, case.path_parameters if case.path_parameters is not None else {}, caller)
        if isinstance(case.body, dict):
            real_body_ids(label, case.body, caller)

    return prepare


@pytest.fixture(scope="module")
def fuzzing(moto_stack, robots):
    with pytest.MonkeyPatch.context() as monkeypatch:
        # Polls answer at once (nothing is waited for), and the platform callbacks have secrets, so a fuzzed
        # callback meets the signature checks rather than "not configured".
        overrides = {**robots.base_urls(), "REPLY_POLL_MAX_WAIT_SECONDS": "0", "REPLY_SECRET_CACHE_SECONDS": "0"}
        client = ApiClient(moto_stack, "ccjk", monkeypatch, overrides=overrides, source_ip=fresh_address())
        env = client.use_env("ccjk.ReplyCallbackFunction")
        aws.client("secretsmanager").put_secret_value(SecretId=env["REPLY_CALLBACK_SECRET_ARN"],
                                                      SecretString=json.dumps(CALLBACK_SECRETS))
        yield service_schema(client), Setup(client, robots)


@pytest.mark.parametrize("label", operation_labels("ccjk"))
def test_operation_holds_under_fuzzing(fuzzing, label):
    schema, setup = fuzzing
    caller = Caller(setup)
    caller.new_user()
    excluded = [positive_data_acceptance] if label in RULES_THE_SCHEMA_DOES_NOT_STATE else []
    assert fuzz_operation(schema, label, headers=caller.headers, prepare=real_ids(label, caller),
                          excluded_checks=excluded) >= 1
