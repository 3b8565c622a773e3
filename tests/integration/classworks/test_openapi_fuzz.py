"""Schemathesis on classworks' own OpenAPI document, every operation, in process (tests/support/fuzz.py): no 5xx,
only declared statuses and content types, bodies matching their schemas, schema-valid requests accepted, with
valid credentials: the site key configured and sent, a real device with a password (sent), an app installed on
it (its token sent).

Parameters that name something (`deviceUuid`, `id`, `appId`, `installId`, `token`, `?uuid=`) are set to the real
ones, so the routes get past their 404s; `key` is fuzzed under the app's own prefix; a bind gets a fresh device
code and the real token (the original answers 400 for an unknown one, which no schema can say). Engine.IO's
polling route gets a real session (opened for the case) for its `sid`, and a POST carries real packets (CONNECT to
`/api`, then `join-token` with the real token): no schema can say which text is an Engine.IO payload. Some operations
uninstall or revoke the token, or change or remove the device password (the console's routes): every case first
installs the app again and puts the password back if it has to. Each request comes from its
own address, so the per-IP password-check limit (429, declared) does not hide the routes behind it. No check is
excluded. Replay a failure with the seed in tests/support/fuzz.py (FUZZ_SEED); fuzz harder with
FUZZ_EXAMPLES=100."""

from __future__ import annotations

import json
from typing import Any

import pytest

from classworks.logic import device_codes, tokens
from classworks.store import devices as device_store
from suite import aws
from suite.security import passwords
from tests.integration.classworks.support import Api, _next_address
from tests.support.fuzz import fuzz_operation, operation_labels, service_schema

SITE_KEY = "fuzz-site-key"
PASSWORD = "fuzz-device-password"


class World:
    """The device, app and token every case uses, kept installed while the fuzzer uninstalls and revokes."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.app = api.app(specialPermissions=["shared"], permissionKey=["read:data"])
        self.device = api.device()
        answer = api("PUT", f"/api/apps/devices/{self.device}/password", body={"newPassword": PASSWORD})
        assert answer.status == 200, answer.text
        self.token = ""
        self.ensure_installed()

    def ensure_password(self) -> None:
        stored = (device_store.get(self.device) or {}).get("passwordHash")
        if stored and passwords.verify_password(stored, PASSWORD):
            return
        device_store.set_password(self.device, passwords.hash_password(PASSWORD), None, "2026-01-01T00:00:00.000Z",
                                  expected_hash=stored)

    def ensure_installed(self) -> None:
        self.api.use_env("classworks.KvFunction")
        self.ensure_password()
        if self.token and tokens.authenticate(self.token) is not None:
            return
        self.token = self.api.install(self.app["id"], self.device, headers=self.credentials())

    def credentials(self) -> dict[str, str]:
        headers = {"X-Site-Key": SITE_KEY, "X-Device-Password": PASSWORD}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def prepare(self, case: Any) -> None:
        self.ensure_installed()
        self.api.source_ip = _next_address()
        real = {"deviceUuid": self.device, "id": str(self.app["id"]), "appId": str(self.app["id"]),
                "installId": f"app-{self.app['id']}", "token": self.token}
        for name in list(case.path_parameters or {}):
            if name in real:
                case.path_parameters[name] = real[name]
            elif name == "key":
                case.path_parameters[name] = f"{self.app['permissionPrefix']}.{case.path_parameters[name]}"
        case.headers = {**(case.headers or {}), **self.credentials()}
        if "uuid" in (case.query or {}):
            case.query["uuid"] = self.device
        if case.operation.path == "/socket.io":
            self.polling_session(case)
        if case.operation.path == "/api/auth/device/bind" and isinstance(case.body, dict):
            case.body = {**case.body, "device_code": device_codes.create(self.api.source_ip)["device_code"],
                         "token": self.token}


    def polling_session(self, case: Any) -> None:
        if "sid" not in (case.query or {}):
            return
        opened = self.api("GET", "/socket.io/", query="EIO=4&transport=polling")
        assert opened.status == 200, opened.text
        case.query["sid"] = json.loads(opened.text[1:])["sid"]
        if case.operation.method.upper() == "POST":
            case.body = "\x1e".join(["40/api,", json.dumps(["join-token", {"token": self.token}])
                                     .join(["42/api,", ""])])


def _set_site_key(api: Api, value: str) -> None:
    from aws_lambda_powertools.utilities import parameters  # noqa: PLC0415

    secret = api.use_env("classworks.AppsFunction")["SITE_KEY_SECRET_ARN"]
    aws.client("secretsmanager").put_secret_value(SecretId=secret, SecretString=json.dumps({"siteKey": value}))
    parameters.clear_caches()


@pytest.fixture(scope="module")
def fuzzing(moto_stack):
    with pytest.MonkeyPatch.context() as monkeypatch:
        api = Api(monkeypatch, moto_stack)
        api.overrides["SOCKETIO_POLL_WAIT_MS"] = "100"  # a waiting GET answers soon
        _set_site_key(api, SITE_KEY)
        try:
            yield World(api), service_schema(api)
        finally:
            _set_site_key(api, "")


@pytest.mark.parametrize("label", operation_labels("classworks"))
def test_operation_holds_under_fuzzing(fuzzing, label):
    world, schema = fuzzing
    assert fuzz_operation(schema, label, prepare=world.prepare) >= 1
