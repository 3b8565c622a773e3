"""AWS calls per request: how many AWS API calls each HTTP request makes, and which, for every built service.

What is measured
    Every resource of template.yaml is created in moto, in this process (`tests/support/moto_stack.moto_suite`,
    the same provisioning the integration tests and `make dev` use). A short, realistic scenario per service then
    sends HTTP requests through the real handlers: the route is matched against the template's routes
    (devstack's RouteTable, API Gateway's precedence), the function's template environment is set, an API
    Gateway HTTP API (payload 2.0) event is built, and `module.handler(event, context)` runs.

    Every AWS API call is counted by wrapping botocore's `BaseClient._make_api_call` for the duration of the run
    (benchmark-only instrumentation, restored afterwards): service name + operation name per call, attributed
    to the request that was running. A DynamoDB `Scan` on a request path is reported loudly and makes the exit
    status non-zero: shipped code never scans.

    Repeatable requests are sent once to warm up (the first call pays module import, boto3 client creation and
    cold caches such as opened secrets), then `--runs` times, each with fresh data where a request must not
    repeat (new ids, new keys). Requests that can happen only once (first-time set-up) are measured once. The
    time is the handler call alone, in this process, against moto: compare rows with each other, not with
    latency on AWS, where each call is a network round trip (a few ms for DynamoDB in-region).

Providers
    Every `<NAME>_BASE_URL` in a function environment points at one `devstack.fake_provider.FakeProvider` on
    127.0.0.1, and AWS credentials are fake: nothing leaves the machine.

    .venv/bin/python bench/aws_calls.py [--only SERVICE] [--runs N] [--json PATH]
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import importlib
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import machine

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = REPO / "template.yaml"
STACK_NAME = "bench"

# Applied after each function's template environment (they win over it).
BENCH_ENV = {
    "PASSWORD_HASH_PROFILE": "fast",  # argon2id's test profile: the real one would dominate every auth row
}
SCAN = ("dynamodb", "Scan")
FORM = {"content-type": "application/x-www-form-urlencoded; charset=utf-8"}


# ------------------------------------------------------------------------------------------------ counting

class CallRecorder:
    """Wraps `BaseClient._make_api_call`; calls made while `recording()` is open are attributed to that request.

    One request runs at a time, but a handler may call AWS from worker threads, so the list is global (not
    thread-local) while a request runs.
    """

    def __init__(self) -> None:
        self._current: list[tuple[str, str]] | None = None
        self._original: Any = None
        self.outside = 0  # calls made by the benchmark's own set-up (not attributed to any request)

    def install(self) -> None:
        from botocore.client import BaseClient  # noqa: PLC0415

        original = BaseClient._make_api_call
        recorder = self

        def counted(client: Any, operation_name: str, api_params: Any) -> Any:
            service = client.meta.service_model.service_name
            if recorder._current is not None:
                recorder._current.append((service, operation_name))
            else:
                recorder.outside += 1
            return original(client, operation_name, api_params)

        self._original = original
        BaseClient._make_api_call = counted

    def uninstall(self) -> None:
        from botocore.client import BaseClient  # noqa: PLC0415

        if self._original is not None:
            BaseClient._make_api_call = self._original
            self._original = None

    @contextlib.contextmanager
    def recording(self) -> Iterator[list[tuple[str, str]]]:
        calls: list[tuple[str, str]] = []
        self._current = calls
        try:
            yield calls
        finally:
            self._current = None


def by_operation(calls: list[tuple[str, str]]) -> str:
    """`dynamodb.GetItem×2 sqs.SendMessage×1`, in the order the operations were first called."""
    counts = Counter(f"{service}.{operation}" for service, operation in calls)
    return " ".join(f"{name}×{count}" for name, count in counts.items()) or "-"


# ------------------------------------------------------------------------------------------------ requests

@dataclass
class Request:
    """An HTTP request; or, with method INVOKE, a non-HTTP invocation: `path` is the function's key
    (`relay.UsageWorkerFunction`) and `body` the event (an SQS batch, a scheduled event)."""

    method: str
    path: str
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    query: str = ""
    raw_body: bytes | None = None
    source_ip: str | None = None  # None: the repetition's own address (client_ip), 127.0.0.1 for set-up calls


def client_ip(n: int) -> str:
    """A documentation address per repetition: per-address rate limits see many clients, as they would."""
    return f"198.51.{100 + n // 250}.{n % 250 + 1}"


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]


@dataclass
class Call:
    """One handler invocation: its answer, its AWS calls, its time."""

    answer: Answer
    calls: list[tuple[str, str]]
    ms: float


@dataclass
class Step:
    """One row of the table: a request the scenario sends `--runs` times (or once when not repeatable).

    `build(n)` gives the request for repetition n (n = 0 is the warm-up); `prepare(n)` runs before it, unmeasured
    (e.g. write the key that repetition n deletes); `keep(answer)` stores what later steps need (tokens, ids).
    """

    build: Callable[[int], Request]
    expect: int = 200
    repeatable: bool = True
    note: str = ""
    keep: Callable[[Answer], None] | None = None
    prepare: Callable[[int], None] | None = None


@dataclass
class Row:
    service: str
    request: str  # "METHOD /route/{param}" from the template, plus the step's note
    function: str = ""
    repeatable: bool = True
    warmup: Call | None = None
    measured: list[Call] = field(default_factory=list)
    error: str | None = None

    @property
    def scans(self) -> int:
        calls = [c for call in [self.warmup, *self.measured] if call for c in call.calls]
        return calls.count(SCAN)


class StepFailed(RuntimeError):
    pass


INVOKE = "INVOKE"


@dataclass
class Invoked:
    """The "route" of a non-HTTP invocation, for the row's label."""

    path: str
    method: str = INVOKE


class Client:
    """The one in-process invoker: finds the function serving `method path` from the template's routes, gives
    the process that function's template environment, builds the HTTP API event and calls its handler."""

    def __init__(self, suite: Any, service: str, recorder: CallRecorder, overrides: dict[str, str]) -> None:
        from devstack.http_gateway import RouteTable  # noqa: PLC0415

        self.service = service
        self.recorder = recorder
        self.overrides = overrides
        self.routes = RouteTable()
        self.functions = [fn for fn in suite.stack(service).functions() if fn.routes]
        self.by_key = {fn.key: fn for fn in suite.stack(service).functions()}
        for function in self.functions:
            for route in function.routes:
                self.routes.add(route, function)
        self._env_keys: set[str] = set()
        self._env_for: str | None = None

    def resolve(self, request: Request) -> tuple[Any, Any, dict[str, str]]:
        if request.method == INVOKE:
            if request.path not in self.by_key:
                raise StepFailed(f"no {self.service} function {request.path}")
            return self.by_key[request.path], Invoked(request.path), {}
        bound, params, _known = self.routes.match(request.method, request.path)
        if bound is None:
            raise StepFailed(f"no {self.service} route serves {request.method} {request.path}")
        return bound.runtime, bound.route, params

    def use_environment(self, function: Any, *, force: bool = False) -> None:
        """Exactly the function's template environment (plus the benchmark's overrides), like its own sandbox."""
        if self._env_for == function.key and not force:
            return
        wanted = {**function.environment, **self.overrides}
        for name in self._env_keys - wanted.keys():
            os.environ.pop(name, None)
        os.environ.update(wanted)
        self._env_keys = set(wanted)
        self._env_for = function.key
        from suite import config  # noqa: PLC0415  (settings read per function, as in its own sandbox)

        config.reset_all()

    def prepare_handlers(self) -> None:
        """Import every route-serving handler module up front (each under its own environment), so no row pays
        an import; boto3 clients and caches are still created by the first request that needs them."""
        for function in self.functions:
            self.use_environment(function)
            importlib.import_module(function.handler.rsplit(".", 1)[0])

    def send(self, request: Request) -> tuple[Call, Any, Any]:
        from tests.support.lambda_events import FakeLambdaContext, http_event  # noqa: PLC0415

        function, route, params = self.resolve(request)
        self.use_environment(function)
        if request.method == INVOKE:
            event = request.body
        else:
            event = http_event(request.method, request.path, route=route.path, body=request.body,
                               headers=request.headers, query=request.query, path_parameters=params,
                               raw_body=request.raw_body)
            event["requestContext"]["http"]["sourceIp"] = request.source_ip or "127.0.0.1"
        module_name, _, attribute = function.handler.rpartition(".")
        handler = getattr(importlib.import_module(module_name), attribute)
        context = FakeLambdaContext(function_name=function.name)
        with self.recorder.recording() as calls:
            start = time.perf_counter()
            raw = handler(event, context)
            elapsed = time.perf_counter() - start
        answer = decode(raw) if request.method != INVOKE else Answer(
            500 if (raw or {}).get("batchItemFailures") else 200, raw, {})
        return Call(answer, calls, elapsed * 1000), function, route

    def __call__(self, request: Request, expect: int | None = None) -> Answer:
        """An unmeasured request (scenario set-up); its calls still go through the Scan check."""
        call, _function, _route = self.send(request)
        if expect is not None and call.answer.status != expect:
            raise StepFailed(f"set-up {request.method} {request.path}: {call.answer.status} {call.answer.body}")
        if SCAN in call.calls:
            raise StepFailed(f"set-up {request.method} {request.path} made a Scan")
        return call.answer


def decode(raw: dict[str, Any]) -> Answer:
    body = raw.get("body") or ""
    if raw.get("isBase64Encoded"):
        body = base64.b64decode(body).decode(errors="replace")
    try:
        parsed: Any = json.loads(body) if body else None
    except ValueError:
        parsed = body
    headers = {k.lower(): v for k, v in (raw.get("headers") or {}).items()}
    if raw.get("cookies"):  # payload 2.0 answers carry Set-Cookie values apart from the headers
        headers["set-cookie"] = "\n".join(raw["cookies"])
    return Answer(int(raw["statusCode"]), parsed, headers)


def run_step(client: Client, step: Step, runs: int) -> Row:
    first = step.build(0)
    try:
        _function, route, _params = client.resolve(first)
    except StepFailed as exc:
        return Row(client.service, f"{first.method} {first.path}", error=str(exc))
    label = f"{route.method} {route.path}" + (f" ({step.note})" if step.note else "")
    row = Row(client.service, label, repeatable=step.repeatable)
    repetitions = 1 + runs if step.repeatable else 1
    for n in range(repetitions):
        try:
            if step.prepare:
                step.prepare(n)
            request = step.build(n)
            request.source_ip = request.source_ip or client_ip(n)
            call, function, _route = client.send(request)
        except Exception as exc:  # a broken handler or set-up: report the row, go on with the others
            row.error = f"{type(exc).__name__}: {exc}"
            return row
        row.function = function.key
        if step.repeatable and n == 0:
            row.warmup = call
        else:
            row.measured.append(call)
        if call.answer.status != step.expect:
            row.error = f"status {call.answer.status} (expected {step.expect}): {str(call.answer.body)[:300]}"
            return row
        if step.keep:
            step.keep(call.answer)
    return row


# ------------------------------------------------------------------------------------------------ scenarios

def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


class CcjkScenario:
    """A device registers, reads itself, sets its robot channels, sends a notification and reads the history;
    a user registers, logs in, binds a new device with a code, then pushes and pulls its settings."""

    def __init__(self, client: Client, fake_url: str) -> None:
        self.client = client
        self.fake_url = fake_url
        self.run_id = uuid.uuid4().hex[:8]
        self.device_id = self.device_token = self.code = ""
        self.code_user = 0  # the user whose bind code `code` is
        self.jwts: dict[int, str] = {}  # user n's login (each repetition has its own user: per-user limits)

    def device(self) -> dict[str, str]:
        return {"x-device-token": self.device_token}

    def keep_device(self, answer: Answer) -> None:
        self.device_id, self.device_token = answer.body["data"]["deviceId"], answer.body["data"]["token"]

    def new_device(self, n: int) -> None:
        """A device sets its channels once in a while: each repetition is a device of its own, so the row shows
        the KMS calls for sealing its secrets instead of a data key cached by the repetition before."""
        self.keep_device(self.client(Request("POST", "/device/register", {"name": f"channels {n}", "type": "desktop"},
                                             source_ip=client_ip(n)), 201))

    def user(self, n: int) -> dict[str, str]:
        return bearer(self.jwts[n])

    def new_code(self, n: int) -> None:
        answer = self.client(Request("POST", "/bind/generate", headers=self.user(n)), 201)
        self.code, self.code_user = answer.body["data"]["code"], n

    def keep_jwt(self, answer: Answer) -> None:
        self.jwts[len(self.jwts)] = answer.body["data"]["token"]  # repetitions run in order: n = len

    def channels(self) -> list[dict[str, Any]]:
        return [{"type": "feishu", "enabled": True, "webhookUrl": f"{self.fake_url}/open-apis/bot/v2/hook/bench",
                 "secret": "feishu-bench-secret"},
                {"type": "wecom", "enabled": True, "webhookUrl": f"{self.fake_url}/cgi-bin/webhook/send?key=bench"}]

    def sync_data(self, n: int) -> dict[str, Any]:
        return {"skills": [{"id": f"skill-{n}", "name": f"skill-{n}", "prompt": f"prompt {n}"}],
                "mcpServers": {"fs": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem"]}}}

    def steps(self) -> list[Step]:
        email = f"bench-{self.run_id}-{{n}}@example.com"
        password = "correct horse battery"  # noqa: S105 (a fake user in moto)
        sync_headers = lambda n: {**self.user(0), "x-device-id": "bench-laptop"}  # noqa: E731
        return [
            Step(lambda n: Request("GET", "/health")),
            Step(lambda n: Request("POST", "/device/register", {"name": f"bench {n}", "type": "desktop"}),
                 expect=201, keep=self.keep_device),
            Step(lambda n: Request("GET", "/device/info", headers=self.device())),
            Step(lambda n: Request("GET", f"/device/{self.device_id}", headers=self.device())),
            Step(lambda n: Request("PUT", "/device/channels", {"channels": self.channels()}, self.device()),
                 note="feishu + wecom, new device", prepare=self.new_device),
            Step(lambda n: Request("GET", "/device/channels", headers=self.device())),
            Step(lambda n: Request("POST", "/notify", {"title": f"Build {n} done", "content": "All tests passed",
                                                       "priority": "high", "type": "task_completed"},
                                   self.device()), expect=202, note="2 channels"),
            Step(lambda n: Request("GET", "/notify/history", headers=self.device())),
            Step(lambda n: Request("POST", "/auth/register", {"email": email.format(n=n), "password": password,
                                                              "name": f"bench{n}"}), expect=201),
            Step(lambda n: Request("POST", "/auth/login", {"email": email.format(n=n), "password": password}),
                 keep=self.keep_jwt),
            Step(lambda n: Request("GET", "/auth/me", headers=self.user(n))),
            Step(lambda n: Request("POST", "/bind/generate", headers=self.user(n)), expect=201),
            Step(lambda n: Request("POST", "/bind/use", {"code": self.code, "device": {"name": f"bound {n}"}}),
                 prepare=self.new_code),
            Step(lambda n: Request("GET", f"/bind/status/{self.code}", headers=self.user(self.code_user))),
            Step(lambda n: Request("GET", "/bind/devices", headers=self.user(n))),
            Step(lambda n: Request("POST", "/cloud-sync/push", {"data": self.sync_data(n)}, self.user(0)),
                 note="1 new skill + 1 unchanged server"),
            Step(lambda n: Request("POST", "/cloud-sync/pull", {}, sync_headers(n))),
            Step(lambda n: Request("GET", "/cloud-sync/status", headers=sync_headers(n))),
        ]


class CcjkClientCoreScenario(CcjkScenario):
    """Issue 18, the real client's core, after the scenario above: sign-in by e-mail code, verify, logout; a
    question that waits for a reply, a test notification, replies (manual, long poll with and without `since`,
    status, history), a Feishu button click and a DingTalk text reply as signed callbacks; the daemon's register,
    heartbeat, a command card, its click, the pending pull and the result; the CLI's bootstrap calls."""

    FEISHU: ClassVar[dict[str, str]] = {"verificationToken": "bench-vt", "encryptKey": "bench-ek"}
    DINGTALK: ClassVar[dict[str, str]] = {"appSecret": "bench-dingtalk"}

    def __init__(self, client: Client, fake_url: str) -> None:
        super().__init__(client, fake_url)
        self.codes: dict[str, str] = {}
        self.sessions: list[str] = []
        self.question = self.reply_code = self.card_id = self.command_id = ""
        self.install = str(uuid.uuid4())

    def set_up(self) -> None:
        from suite import aws  # noqa: PLC0415

        callbacks = next(fn for fn in self.client.functions if fn.key == "ccjk.ReplyCallbackFunction")
        aws.client("secretsmanager").put_secret_value(
            SecretId=callbacks.environment["REPLY_CALLBACK_SECRET_ARN"],
            SecretString=json.dumps({"feishu": self.FEISHU, "dingtalk": self.DINGTALK}))

    def email(self, kind: str, n: int) -> str:
        return f"bench-{kind}-{self.run_id}-{n}@example.com"

    def mailed_code(self, n: int) -> None:
        """Request a code for repetition n's address (unmeasured) and read it from the outbox."""
        import re  # noqa: PLC0415

        from ccjk.store import mail  # noqa: PLC0415

        email = self.email("verify", n)
        self.client(Request("POST", "/auth/login", {"email": email}, source_ip=client_ip(n)), 200)
        self.client.use_environment(next(fn for fn in self.client.functions if fn.key == "ccjk.AuthFunction"))
        self.codes[email] = re.findall(r"(?<!\d)\d{6}(?!\d)", mail.outbox(email)[-1]["text"])[0]

    def signed_in(self, n: int) -> None:
        self.mailed_code(n)
        email = self.email("verify", n)
        answer = self.client(Request("POST", "/auth/verify", {"email": email, "code": self.codes[email]},
                                     source_ip=client_ip(n)), 200)
        self.sessions.append(answer.body["data"]["token"])

    def keep_question(self, answer: Answer) -> None:
        self.question, self.reply_code = answer.body["data"]["notificationId"], answer.body["data"]["replyCode"]

    def keep_card(self, answer: Answer) -> None:
        self.card_id = answer.body["data"]["cardId"]

    def keep_command(self, answer: Answer) -> None:
        commands = answer.body["data"]["commands"]
        self.command_id = commands[0]["id"] if commands else self.command_id

    def handed_out_command(self, n: int) -> None:
        """A click on the card, and the pull that hands its command out (unmeasured): repetition n reports it."""
        self.client(self.feishu_click({"cardId": self.card_id, "actionId": "status"}), 200)
        self.keep_command(self.client(Request("GET", "/api/control/devices/pending", headers=self.device()), 200))

    def feishu_click(self, value: dict[str, Any]) -> Request:
        import hashlib  # noqa: PLC0415

        payload = {"schema": "2.0", "header": {"event_id": uuid.uuid4().hex, "token": self.FEISHU["verificationToken"],
                                               "event_type": "card.action.trigger"},
                   "event": {"operator": {"open_id": "ou_bench"}, "action": {"value": value, "tag": "button"}}}
        body = feishu_encrypted(json.dumps(payload).encode(), self.FEISHU["encryptKey"])
        timestamp, nonce = str(int(time.time())), uuid.uuid4().hex[:16]
        signature = hashlib.sha256((timestamp + nonce + self.FEISHU["encryptKey"]).encode() + body).hexdigest()
        return Request("POST", "/reply/feishu", raw_body=body, headers={
            "content-type": "application/json", "x-lark-request-timestamp": timestamp,
            "x-lark-request-nonce": nonce, "x-lark-signature": signature})

    def dingtalk_text(self, text: str) -> Request:
        import hashlib  # noqa: PLC0415
        import hmac  # noqa: PLC0415

        millis = str(int(time.time() * 1000))
        secret = self.DINGTALK["appSecret"]
        sign = base64.b64encode(hmac.new(secret.encode(), f"{millis}\n{secret}".encode(), hashlib.sha256)
                                .digest()).decode()
        return Request("POST", "/reply/dingtalk", {"msgtype": "text", "text": {"content": text},
                                                   "msgId": uuid.uuid4().hex, "senderStaffId": "bench"},
                       headers={"timestamp": millis, "sign": sign})

    def card(self) -> dict[str, Any]:
        return {"deviceId": self.device_id, "channel": "feishu", "templateId": "tpl_git", "template": {
            "name": "Git", "actions": [{"id": "status", "label": "状态", "command": "git status"}]}}

    def steps(self) -> list[Step]:
        device = self.device
        question = {"type": "ask_user", "title": "Deploy?", "body": "Deploy to production?", "waitReply": True,
                    "actions": [{"id": "yes", "label": "Yes", "value": "yes"}, {"id": "no", "label": "No"}]}
        install = {"x-device-id": self.install, "user-agent": "CCJK/9.4.13"}
        return [*super().steps(),
            Step(lambda n: Request("POST", "/auth/login", {"email": self.email("code", n)}), note="mails a code"),
            Step(lambda n: Request("POST", "/auth/verify", {"email": self.email("verify", n),
                                                            "code": self.codes.get(self.email("verify", n), "")}),
                 prepare=self.mailed_code, note="first sign-in creates the account"),
            Step(lambda n: Request("POST", "/auth/logout", headers=bearer(self.sessions[-1] if self.sessions else "")),
                 prepare=self.signed_in),
            Step(lambda n: Request("POST", "/notify", {**question, "title": f"Deploy {n}?"}, device()), expect=202,
                 keep=self.keep_question, note="waitReply, 2 actions: reply code"),
            Step(lambda n: Request("POST", "/notify/test", headers=device()), note="2 robots, sent now"),
            Step(lambda n: Request("POST", "/reply/manual", {"notificationId": self.question, "content": f"ok {n}"},
                                   device()), expect=201),
            Step(lambda n: Request("GET", "/reply/poll", headers=device(), query="timeout=0"),
                 note="hands out the oldest"),
            Step(lambda n: Request("GET", "/reply/poll", headers=device(),
                                   query="timeout=0&since=2020-01-01T00:00:00Z"), note="since"),
            Step(lambda n: Request("GET", f"/reply/{self.question}", headers=device())),
            Step(lambda n: Request("GET", "/reply/history", headers=device())),
            Step(lambda n: self.feishu_click({"notificationId": self.question, "actionId": "yes", "value": "yes"}),
                 note="button click, encrypted + signed"),
            Step(lambda n: self.dingtalk_text(f"#{self.reply_code} approve {n}"), note="#code text"),
            Step(lambda n: Request("POST", "/api/control/devices/register", {
                "name": "bench daemon", "platform": "linux", "hostname": "bench", "version": "9.4.13"}, device())),
            Step(lambda n: Request("POST", "/api/control/mobile/send-card", self.card(),
                                   bearer(self.device_token)), keep=self.keep_card, note="device token as Bearer"),
            Step(lambda n: self.feishu_click({"cardId": self.card_id, "actionId": "status"}),
                 note="card click: a command"),
            Step(lambda n: Request("POST", "/api/control/devices/heartbeat", {"status": "busy"}, device()),
                 note="hands out queued commands"),
            Step(lambda n: Request("GET", "/api/control/devices/pending", headers=device()), keep=self.keep_command,
                 prepare=lambda n: self.client(self.feishu_click({"cardId": self.card_id, "actionId": "status"}), 200)),
            Step(lambda n: Request("POST", f"/api/control/commands/{self.command_id}/result", {
                "exitCode": 0, "stdout": "clean", "stderr": "", "success": True, "duration": 12}, device()),
                 prepare=self.handed_out_command, note="a command handed out"),
            Step(lambda n: Request("POST", "/api/v1/devices/register", {
                "deviceId": str(uuid.uuid4()), "fingerprint": "0f" * 16, "osType": "linux", "ccjkVersion": "9.4.13"},
                {"user-agent": "CCJK/9.4.13"}), expect=201),
            Step(lambda n: Request("POST", "/api/v1/handshake", {"deviceId": self.install, "ccjkVersion": "9.4.13"},
                                   install)),
            Step(lambda n: Request("POST", "/api/v1/sync", {"deviceId": self.install, "stats": {"osType": "linux"}},
                                   install), expect=202),
        ]


def feishu_encrypted(plain: bytes, encrypt_key: str) -> bytes:
    """Feishu's event encryption: base64(iv + AES-256-CBC(key = SHA-256(Encrypt Key), PKCS#7(plain)))."""
    import hashlib  # noqa: PLC0415

    from cryptography.hazmat.primitives import padding  # noqa: PLC0415
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes  # noqa: PLC0415

    iv = os.urandom(16)
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(hashlib.sha256(encrypt_key.encode()).digest()), modes.CBC(iv)).encryptor()
    data = encryptor.update(padder.update(plain) + padder.finalize()) + encryptor.finalize()
    return json.dumps({"encrypt": base64.b64encode(iv + data).decode()}).encode()


class CcjkMarketScenario:
    """ccjk's marketplace (issue 18): the public and v1 catalogue reads (list, one item, search, rankings, the
    marketplace, recommendations, a template batch), v1 accounts, an install against the quota, a rating, a
    download; v8 templates (list, one with its ETag, batch, download), a v8 install, v8 context messages and a
    compaction; admin stats and catalogue writes. Catalogue items come from the admin API in set-up."""

    PASSWORD = "bench market password"  # noqa: S105 (a fake user in moto)

    def __init__(self, client: Client, fake_url: str) -> None:
        self.client = client
        self.run_id = uuid.uuid4().hex[:8]
        self.items: list[str] = []
        self.refresh = self.access = self.device_token = self.template = ""
        self.users: list[str] = []
        self.admin_pair = {"username": "bench-admin", "password": "bench-admin-password"}

    def admin(self) -> dict[str, str]:
        pair = f"{self.admin_pair['username']}:{self.admin_pair['password']}".encode()
        return {"authorization": "Basic " + base64.b64encode(pair).decode()}

    def set_up(self) -> None:
        from suite import aws  # noqa: PLC0415

        admin_fn = next(fn for fn in self.client.functions if fn.key == "ccjk.AdminFunction")
        aws.client("secretsmanager").put_secret_value(
            SecretId=admin_fn.environment["ADMIN_CREDENTIALS_SECRET_ARN"], SecretString=json.dumps(self.admin_pair))
        for n in range(30):
            body = {"type": "skill", "name_en": f"Bench skill {n} {self.run_id}", "slug": f"bench-{self.run_id}-{n}",
                    "category": "development", "tags": ["bench", "git" if n % 2 else "test"], "content": "x" * 400,
                    "description_en": "A skill the benchmark installs, rates and downloads"}
            self.items.append(self.client(Request("POST", "/admin/skills", body, self.admin()), 201).body["data"]["id"])
        template = {"type": "workflow", "name_en": f"Bench workflow {self.run_id}", "content": "# steps\n"}
        self.template = self.client(Request("POST", "/admin/templates", template, self.admin()), 201).body["data"]["id"]
        device = self.client(Request("POST", "/device/register", {"name": "bench market"}), 201).body["data"]
        self.device_token = device["token"]

    def keep_pair(self, answer: Answer) -> None:
        self.access, self.refresh = answer.body["data"]["accessToken"], answer.body["data"]["refreshToken"]

    def keep_user(self, answer: Answer) -> None:
        self.users.append(answer.body["data"]["accessToken"])

    def user(self, n: int) -> dict[str, str]:
        return bearer(self.users[n])

    def steps(self) -> list[Step]:
        email = f"market-{self.run_id}-{{n}}@example.com"
        skill = lambda n: self.items[n]  # noqa: E731
        session = f"bench-{self.run_id}"
        message = {"type": "user", "role": "user", "content": "Refactor the login form and add tests"}
        return [
            Step(lambda n: Request("GET", "/api/skills", query="limit=20&sort=popular")),
            Step(lambda n: Request("GET", f"/api/skills/{self.items[0]}")),
            Step(lambda n: Request("GET", "/api/search", query=f"q=bench+{'git' if n % 2 else 'test'}")),
            Step(lambda n: Request("GET", "/api/rankings", query="dimension=installs&limit=20")),
            Step(lambda n: Request("GET", "/api/rankings", query="dimension=trending&limit=20")),
            Step(lambda n: Request("GET", "/api/v1/skills/marketplace", query="limit=20")),
            Step(lambda n: Request("POST", "/api/v1/specs", {"dependencies": {"react": "19", "git": "2"}})),
            Step(lambda n: Request("POST", "/api/v1/templates/batch", {"ids": [self.template, "tpl_none"]})),
            Step(lambda n: Request("POST", "/api/v1/auth/register", {"email": email.format(n=n),
                                                                    "password": self.PASSWORD}),
                 expect=201, keep=self.keep_user),
            Step(lambda n: Request("POST", "/api/v1/auth/login", {"email": email.format(n=n),
                                                                 "password": self.PASSWORD}), keep=self.keep_pair),
            Step(lambda n: Request("POST", "/api/v1/auth/refresh", {"refreshToken": self.refresh}),
                 keep=self.keep_pair),
            Step(lambda n: Request("POST", "/api/v1/skills/user/install", {"skillId": skill(n)}, self.user(0)),
                 expect=201, note="quota transaction"),
            Step(lambda n: Request("POST", f"/api/v1/skills/{self.items[1]}/ratings", {"rating": 4},
                                   self.user(n)), expect=201, note="rating transaction, one user each"),
            Step(lambda n: Request("GET", f"/api/v1/skills/{self.items[1]}/ratings")),
            Step(lambda n: Request("GET", f"/api/v1/skills/{self.items[2]}/download"), note="counted"),
            Step(lambda n: Request("GET", "/api/v8/templates", query="type=skill&limit=20")),
            Step(lambda n: Request("GET", f"/api/v8/templates/{self.template}")),
            Step(lambda n: Request("POST", "/api/v8/templates/batch", {"templates": [self.template, self.items[3]]})),
            Step(lambda n: Request("POST", f"/api/v8/templates/{self.template}/download"), note="counted"),
            Step(lambda n: Request("POST", "/api/v8/skills/user/install", {"skill_id": skill(10 + n)}, self.user(1)),
                 expect=201),
            Step(lambda n: Request("GET", "/api/v8/skills/user", headers=self.user(0))),
            Step(lambda n: Request("POST", f"/api/v8/sessions/{session}/messages", message,
                                   bearer(self.device_token)), expect=201),
            Step(lambda n: Request("GET", f"/api/v8/sessions/{session}/messages", headers=bearer(self.device_token))),
            Step(lambda n: Request("POST", f"/api/v8/sessions/{session}-{n}/compact", {"keep_last_n": 1},
                                   bearer(self.device_token)), note="3 messages",
                 prepare=lambda n: [self.client(Request("POST", f"/api/v8/sessions/{session}-{n}/messages", message,
                                                        bearer(self.device_token)), 201) for _ in range(3)]),
            Step(lambda n: Request("GET", "/admin/stats", headers=self.admin())),
            Step(lambda n: Request("POST", "/admin/skills", {"name_en": f"Admin {self.run_id} {n}"}, self.admin()),
                 expect=201, note="item and its search index"),
            Step(lambda n: Request("PUT", f"/admin/skills/{self.items[20 + n]}", {"description_en": f"v{n}"},
                                   self.admin()), note="re-index"),
        ]


class CcjkWithMarket:
    """ccjk's rows: the core scenarios' (issues 3 and 18), then the marketplace's (issue 18)."""

    def __init__(self, client: Client, fake_url: str) -> None:
        self.core = CcjkClientCoreScenario(client, fake_url)
        self.market = CcjkMarketScenario(client, fake_url)

    def set_up(self) -> None:
        for part in (self.core, self.market):
            if hasattr(part, "set_up"):
                part.set_up()

    def steps(self) -> list[Step]:
        return [*self.core.steps(), *self.market.steps()]


class ClassworksScenario:
    """A device registers in a namespace, gets a token for an app, then writes, reads, lists, imports and
    deletes keys. The app itself comes from the catalogue (there is no route to create one). Then a Socket.IO
    client on the polling transport, as the board's: the handshake, CONNECT to /api with join-token, the GET
    that collects the answers, a pong."""

    def __init__(self, client: Client, fake_url: str) -> None:
        self.client = client
        self.run_id = uuid.uuid4().hex[:8]
        self.app_id = 0
        self.prefix = f"bench{self.run_id}"
        self.namespace = f"ns-{self.run_id}"
        self.device = f"bench-{self.run_id}"
        self.token = ""
        self.sids: dict[int, str] = {}

    def set_up(self) -> None:
        from classworks.logic import apps  # noqa: PLC0415

        kv = next(fn for fn in self.client.functions if fn.key == "classworks.KvFunction")
        self.client.use_environment(kv)
        spec = {"name": "Bench", "description": "benchmark app", "developerName": "bench",
                "permissionPrefix": self.prefix}
        app, _created = apps.save_app(apps.AppSpec.model_validate(spec))
        self.app_id = app["id"]

    def keep_token(self, answer: Answer) -> None:
        self.token = answer.body["token"]

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}"

    def put_temporary(self, n: int) -> None:
        self.client(Request("POST", f"/api/kv/{self.key(f'tmp{n}')}", {"v": n}, bearer(self.token)), 200)

    # --- Socket.IO polling (the board's transport) ---------------------------------------------------------
    def open_session(self, n: int) -> None:
        answer = self.client(Request("GET", "/socket.io/", query="EIO=4&transport=polling"), 200)
        self.sids[n] = json.loads(str(answer.body)[1:])["sid"]

    def open_alone(self, n: int) -> None:
        """A new session, the previous repetition's socket gone from the device's room (a room of one)."""
        if n - 1 in self.sids:
            self.client(self.polling_post(n - 1, '42/api,["leave-all"]'), 200)
        self.open_session(n)

    def open_and_join(self, n: int) -> None:
        self.open_session(n)
        self.client(self.polling_post(n, self.join_packets()), 200)

    def join_packets(self) -> str:
        return "\x1e".join(["40/api,", "42/api," + json.dumps(["join-token", {"token": self.token}])])

    def polling_get(self, n: int) -> Request:
        return Request("GET", "/socket.io/", query=f"EIO=4&transport=polling&sid={self.sids.get(n, '')}")

    def polling_post(self, n: int, payload: str) -> Request:
        return Request("POST", "/socket.io/", query=f"EIO=4&transport=polling&sid={self.sids.get(n, '')}",
                       raw_body=payload.encode(), headers={"Content-Type": "text/plain;charset=UTF-8"})

    def steps(self) -> list[Step]:
        auth = lambda: bearer(self.token)  # noqa: E731
        homework = {"items": ["背诵课文", {"page": 12}], "done": False}
        return [
            Step(lambda n: Request("GET", "/api/check")),
            Step(lambda n: Request("POST", "/api/devices", {"uuid": self.device if n == 0 else f"{self.device}-{n}",
                                                            "deviceName": "Room 301",
                                                            "namespace": self.namespace if n == 0 else None}),
                 expect=201),
            Step(lambda n: Request("POST", "/api/apps/auth/token", {"namespace": self.namespace,
                                                                    "appId": self.app_id}),
                 expect=201, keep=self.keep_token),
            Step(lambda n: Request("GET", "/api/kv/_info", headers=auth())),
            Step(lambda n: Request("POST", f"/api/kv/{self.key('homework')}", homework, auth())),
            Step(lambda n: Request("GET", f"/api/kv/{self.key('homework')}", headers=auth())),
            Step(lambda n: Request("GET", f"/api/kv/{self.key('homework')}/metadata", headers=auth())),
            Step(lambda n: Request("POST", "/api/kv/_batchimport",
                                   {self.key(f"batch{n}.{i}"): {"i": i} for i in range(5)}, auth()),
                 note="5 keys"),
            Step(lambda n: Request("GET", "/api/kv/_keys", headers=auth())),
            Step(lambda n: Request("GET", "/api/kv", headers=auth(), query="limit=20")),
            Step(lambda n: Request("DELETE", f"/api/kv/{self.key(f'tmp{n}')}", headers=auth()), expect=204,
                 prepare=self.put_temporary),
            Step(lambda n: Request("GET", f"/api/devices/{self.device}/apps")),
            Step(lambda n: Request("GET", "/socket.io/", query="EIO=4&transport=polling"), note="handshake"),
            Step(lambda n: self.polling_post(n, self.join_packets()), prepare=self.open_alone,
                 note="CONNECT /api + join-token, a room of one"),
            Step(self.polling_get, prepare=self.open_and_join, note="3 packets waiting"),
            Step(lambda n: self.polling_post(n, "3"), prepare=self.open_session, note="a pong"),
        ]


class KookScenario:
    """The admin sets a password and logs in, adds a KOOK account (bot token, verify token, encrypt key) and
    starts it, adds a Telegram bot and a mapping, sends a test message; then KOOK posts a channel message to the
    webhook (zlib + AES, as KOOK sends it), and the admin looks at logs and stats."""

    PASSWORD = "admin-pass-1"  # noqa: S105 (moto only)
    VERIFY_TOKEN = "bench-verify-token"  # noqa: S105
    ENCRYPT_KEY = "bench-encrypt-key"
    TG_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"  # noqa: S105 (the shape Telegram documents)

    def __init__(self, client: Client, fake_url: str) -> None:
        self.client = client
        self.run_id = uuid.uuid4().hex[:8]
        self.token = ""
        self.account_id = self.bot_id = 0

    def set_up_fake(self, fake: Any) -> None:
        fake.respond(json={"ok": True, "result": {"message_id": 1}}, path="/bot")

    def admin(self) -> dict[str, str]:
        return {"x-api-token": self.token}

    def keep_token(self, answer: Answer) -> None:
        self.token = answer.body["token"]

    def keep_account(self, answer: Answer) -> None:
        self.account_id = answer.body["account_id"]

    def keep_bot(self, answer: Answer) -> None:
        self.bot_id = answer.body["bot_id"]

    def webhook_body(self, n: int) -> bytes:
        event = {"s": 0, "sn": 1000 + n, "d": {
            "channel_type": "GROUP", "type": 9, "target_id": "2001", "author_id": "30000",
            "content": f"公告 {n}: hello **world**", "msg_id": f"bench-{self.run_id}-{n}",
            "msg_timestamp": 1795262400000 + n, "nonce": "", "verify_token": self.VERIFY_TOKEN,
            "extra": {"type": 9, "guild_id": "1001", "channel_name": "公告",
                      "author": {"id": "30000", "username": "sender", "nickname": "发送者"}}}}
        return zlib.compress(kook_encrypt(json.dumps(event, ensure_ascii=False).encode(), self.ENCRYPT_KEY))

    def steps(self) -> list[Step]:
        telegram = {"bot_token": self.TG_TOKEN, "chat_id": "-1001234567890"}
        account = {"bot_token": "1/bench-bot", "verify_token": self.VERIFY_TOKEN, "encrypt_key": self.ENCRYPT_KEY}
        return [
            Step(lambda n: Request("GET", "/health")),
            Step(lambda n: Request("POST", "/auth/setup", {"password": self.PASSWORD}), repeatable=False),
            Step(lambda n: Request("POST", "/api/auth/login", {"password": self.PASSWORD}), keep=self.keep_token),
            Step(lambda n: Request("GET", "/auth/status", headers=self.admin())),
            Step(lambda n: Request("POST", "/api/accounts", {"email": f"kook-{self.run_id}-{n}@example.com",
                                                             **account}, self.admin()),
                 keep=self.keep_account, note="bot token + verify token + encrypt key"),
            Step(lambda n: Request("POST", f"/api/accounts/{self.account_id}/start", headers=self.admin())),
            Step(lambda n: Request("GET", "/api/accounts", headers=self.admin())),
            Step(lambda n: Request("POST", "/api/bots", {"platform": "telegram", "name": f"tg {n}",
                                                         "config": telegram}, self.admin()), keep=self.keep_bot),
            Step(lambda n: Request("GET", "/api/bots", headers=self.admin())),
            Step(lambda n: Request("POST", f"/api/bots/{self.bot_id}/test", headers=self.admin()),
                 note="Telegram sendMessage on the fake"),
            Step(lambda n: Request("POST", "/api/mappings", {"kook_server_id": "1001", "kook_channel_id": "2001",
                                                             "kook_channel_name": "公告",
                                                             "target_bot_id": self.bot_id,
                                                             "target_channel_id": f"-100{n}"}, self.admin())),
            Step(lambda n: Request("GET", "/api/mappings", headers=self.admin())),
            Step(lambda n: Request("POST", f"/kook/webhook/{self.account_id}", raw_body=self.webhook_body(n),
                                   headers={"content-type": "application/json"}),
                 note="channel message, zlib + AES → queued"),
            Step(lambda n: Request("GET", "/api/logs", headers=self.admin())),
            Step(lambda n: Request("GET", "/api/logs/stats", headers=self.admin())),
            Step(lambda n: Request("GET", "/api/system/status", headers=self.admin())),
        ]


class CertctrlScenario:
    """A person signs up (the activation code from the mail outbox), signs in and makes an API key; an agent signs
    in with the device flow, registers, polls its updates feed (idle, then after an install-config change),
    reports its version and refreshes its session; the person lists devices and the permission catalogue.
    Certificates (issue 17): a private CA, a SELF_CA account, a certificate issued at once from the CA, sealed to
    the device on assignment, the device's detail and deploy-materials, the ZIP export, the history, a leaf from
    the CA, an ACME issue started (state, sealed key, queue message; the CA itself is the worker's), the HTTP-01
    route."""

    PASSWORD = "Correct-Horse-9-Battery"  # noqa: S105 (moto only)

    def __init__(self, client: Client, fake_url: str) -> None:
        self.client = client
        self.run_id = uuid.uuid4().hex[:8]
        self.email = f"bench-{self.run_id}@example.com"
        self.user_id = 0
        self.cookie = ""
        self.key = ""
        self.device_code = self.user_code = ""
        self.registration = ""
        self.device_id = 0
        self.access = self.refresh = ""
        self.cursor = ""
        self.text = ""
        self.ca_id = self.acct_id = self.cert_id = self.acme_acct_id = self.acme_cert_id = 0

    def person(self) -> dict[str, str]:
        return {"cookie": f"cjj365={self.cookie}"}

    def device(self) -> dict[str, str]:
        return bearer(self.access)

    def set_up(self) -> None:
        from suite import mail  # noqa: PLC0415

        self.client(Request("POST", "/auth/general", {"action": "register", "email": self.email,
                                                      "password": self.PASSWORD, "name": f"bench{self.run_id}"}),
                    200)
        auth = next(fn for fn in self.client.functions if fn.key == "certctrl.AuthFunction")
        self.client.use_environment(auth)
        text = mail.outbox_messages(os.environ["MAIL_OUTBOX_TABLE"], self.email)[-1]["text"]
        code = next(word for word in text.replace(".", " ").split() if word.isdigit() and len(word) == 6)
        self.client(Request("POST", "/auth/general", {"action": "activate-user", "email": self.email,
                                                      "verify_code": code}), 200)
        login = self.client(Request("POST", "/auth/general", {"action": "login", "email": self.email,
                                                              "password": self.PASSWORD}), 200)
        self.user_id = login.body["data"]["user"]["id"]
        self.cookie = self.session_from(login)
        self.start_login(0)
        self.set_up_money_and_git()
        self.acme_account()

    # -- issue 20 (wallets, payments, admin) and git ----------------------------------------------------------
    def set_up_money_and_git(self) -> None:
        """The person becomes an administrator (as `python -m certctrl.seed make-admin` does); the fake Alipay's
        keys go into the stack's AlipaySecret; an API key for git; a repository."""
        import boto3  # noqa: PLC0415

        from certctrl.store import users  # noqa: PLC0415
        from tests.support.fake_payment_gateways import FakeAlipay  # noqa: PLC0415

        self.alipay = FakeAlipay()
        self.quote_id, self.notify_body = "", b""
        money = next(fn for fn in self.client.functions if fn.key == "certctrl.MoneyFunction")
        boto3.client("secretsmanager").put_secret_value(SecretId=money.environment["ALIPAY_SECRET_ARN"],
                                                        SecretString=json.dumps(self.alipay.secret))
        self.client.overrides["ALIPAY_APP_ID"] = FakeAlipay.APP_ID
        admin = next(fn for fn in self.client.functions if fn.key == "certctrl.AdminFunction")
        self.client.use_environment(admin)
        users.set_role(self.user_id, "admin", granted=True, now_ms=int(time.time() * 1000))
        self.client(Request("POST", "/apiv1/admin/fx-rates", {"base": "USD", "quote": "CNY", "rate": "7.2"},
                            self.person()), 200)
        git_key = [{"obtype": "gitrepos", "obid": "*", "actions": ["read", "write"]}]
        self.git_key = self.client(Request("POST", f"/apiv1/users/{self.user_id}/apikeys",
                                           {"name": "git", "permissions": git_key}, self.person()),
                                   201).body["data"]["token"]
        self.client(Request("POST", f"/apiv1/users/{self.user_id}/gitrepos", {"name": "bench"}, self.person()), 201)
        self.wallet_id = next(w["id"] for w in self.client(Request(
            "GET", f"/apiv1/users/{self.user_id}/wallets", headers=self.person()), 200).body["data"]
            if w["currency"] == "CNY")
        self.fund(0)

    def keyed(self, n: int, what: str) -> dict[str, str]:
        return {**self.person(), "idempotency-key": f"bench-{self.run_id}-{what}-{n}"}

    def order(self, n: int, amount: int = 100_000) -> dict[str, Any]:
        return self.client(Request("POST", f"/apiv1/users/{self.user_id}/alipay/page-pay", {"amount": amount},
                                   self.keyed(n, "order")), 201).body["data"]

    def next_notify(self, n: int) -> None:
        order = self.order(1000 + n)
        self.notify_body = self.alipay.notify(out_trade_no=order["out_trade_no"], total_amount="1000.00")

    def next_forgery(self, n: int) -> None:
        order = self.order(2000 + n)
        self.notify_body = self.alipay.notify(out_trade_no=order["out_trade_no"], total_amount="1000.00",
                                              key=self.alipay.forger_key)

    def fund(self, n: int) -> None:
        self.next_notify(3000 + n)
        self.client(Request("POST", "/apiv1/alipay/notify", raw_body=self.notify_body, headers=FORM), 200)

    def next_quote(self, n: int) -> None:
        self.quote_id = self.client(Request("POST", f"/apiv1/users/{self.user_id}/payment-quotes",
                                            {"purpose": "conversion", "source_currency": "CNY",
                                             "target_currency": "USD", "source_amount": 720}, self.person()),
                                    201).body["data"]["id"]

    def git(self) -> dict[str, str]:
        return {"authorization": "Basic " + base64.b64encode(f"git:{self.git_key}".encode()).decode()}

    def money_and_git_steps(self) -> list[Step]:
        user = f"/apiv1/users/{self.user_id}"
        return [
            Step(lambda n: Request("GET", f"{user}/wallets", headers=self.person()), note="wallets opened already"),
            Step(lambda n: Request("POST", f"{user}/alipay/page-pay", {"amount": 5000}, self.keyed(n, "pay")),
                 expect=201, note="+ idempotency record, RSA2-signed URL"),
            Step(lambda n: Request("POST", "/apiv1/alipay/notify", raw_body=self.notify_body, headers=FORM),
                 prepare=self.next_notify, note="genuine: credited once + outstanding charges looked at"),
            Step(lambda n: Request("POST", "/apiv1/alipay/notify", raw_body=self.notify_body, headers=FORM),
                 prepare=self.next_forgery, expect=400, note="forged: nothing written"),
            Step(lambda n: Request("POST", f"{user}/wallets/{self.wallet_id}/issue-charges", {"amount": 100},
                                   self.keyed(n, "charge")), expect=201, note="one TransactWriteItems"),
            Step(lambda n: Request("POST", f"{user}/payment-quotes",
                                   {"purpose": "conversion", "source_currency": "CNY", "target_currency": "USD",
                                    "source_amount": 720}, self.person()), expect=201, note="rate locked"),
            Step(lambda n: Request("POST", f"{user}/wallet-conversions", {"quote_id": self.quote_id},
                                   self.keyed(n, "convert")), prepare=self.next_quote, expect=201),
            Step(lambda n: Request("GET", f"{user}/wallet-topups", headers=self.person())),
            Step(lambda n: Request("GET", "/apiv1/admin/wallet-topups", headers=self.person(), query="state=review"),
                 note="admin"),
            Step(lambda n: Request("GET", "/apiv1/admin/users", headers=self.person(), query="limit=20"),
                 note="admin: counter + BatchGetItem"),
            Step(lambda n: Request("POST", "/apiv1/admin/fx-rates", {"base": "EUR", "quote": "CNY", "rate": "7.8"},
                                   self.person()), note="admin: + audit record"),
            Step(lambda n: Request("GET", f"{user}/gitrepos", headers=self.person()), note="catalog from S3"),
            Step(lambda n: Request("GET", f"/git/{self.user_id}/bench.git/info/refs", headers=self.git(),
                                   query="service=git-upload-pack"), note="git clone's first request"),
        ]


    def acme_account(self) -> None:
        """An ACME account as a registration leaves it (sealed key, KID), written directly: the benchmark reaches
        no CA, and starting an issue needs none."""
        from certctrl.models.entities import AcmeAccount  # noqa: PLC0415
        from certctrl.providers import acme  # noqa: PLC0415
        from certctrl.store import certificates, counters  # noqa: PLC0415
        from certctrl.store.key_vault import vault  # noqa: PLC0415

        self.client.use_environment(next(fn for fn in self.client.functions
                                         if fn.key == "certctrl.AcmeAccountsFunction"))
        account_id = counters.next_id("acme_account")
        now = int(time.time() * 1000)
        certificates.create_account(AcmeAccount(
            certificates.user_key(self.user_id), certificates.account_sk(account_id), id=account_id,
            user_id=self.user_id, name="le", provider="letsencrypt", kid="https://acme.invalid/acct/1",
            account_key=vault().seal_account_key(acme.new_account_key_pem(), user_id=self.user_id,
                                                 account_id=account_id),
            created_at_ms=now, updated_at_ms=now))
        self.acme_acct_id = account_id

    @staticmethod
    def session_from(answer: Answer) -> str:
        for cookie in answer.headers.get("set-cookie", "").splitlines():
            if cookie.startswith("cjj365="):
                return cookie.split(";", 1)[0].removeprefix("cjj365=")
        raise StepFailed("login set no session cookie")

    def start_login(self, n: int) -> None:
        answer = self.client(Request("POST", "/auth/device", {"action": "device_start", "scopes": ["openid"],
                                                              "interval": 5, "expires_in": 900},
                                     source_ip=client_ip(n)), 200)
        self.device_code = answer.body["data"]["device_code"]
        self.user_code = answer.body["data"]["user_code"]

    def approved_code(self, n: int) -> None:
        self.start_login(n)
        self.client(Request("POST", "/auth/device", {"action": "device_verify", "user_code": self.user_code},
                            self.person()), 200)
        ready = self.client(Request("POST", "/auth/device", {"action": "device_poll",
                                                             "device_code": self.device_code}), 200)
        self.registration = ready.body["data"]["registration_code"]

    def keep_key(self, answer: Answer) -> None:
        self.key = answer.body["data"]["token"]

    def keep_device(self, answer: Answer) -> None:
        data = answer.body["data"]
        self.device_id = data["device"]["id"]
        self.access, self.refresh = data["session"]["access_token"], data["session"]["refresh_token"]
        self.cursor = ""

    def keep_pair(self, answer: Answer) -> None:
        self.access, self.refresh = answer.body["data"]["access_token"], answer.body["data"]["refresh_token"]

    def keep_cursor(self, answer: Answer) -> None:
        self.cursor = answer.body["data"]["cursor"]

    def install(self, n: int) -> Request:
        return Request("PUT", f"/apiv1/users/{self.user_id}/devices/{self.device_id}/install-config",
                       {"installs": [{"id": f"reload-{n}", "type": "exec", "cmd": "systemctl reload nginx"}]},
                       self.person())

    def changed(self, n: int) -> None:
        self.client(self.install(1000 + n), 200)

    def registration_body(self, n: int) -> dict[str, Any]:
        return {"user_id": self.user_id, "device_public_id": f"{self.run_id}-{n}", "platform": "linux",
                "model": "x86_64", "app_version": "1.4.2", "name": f"bench {n}", "ip": "192.0.2.10",
                "user_agent": "cert-ctrl/1.4.2", "dev_pk": base64.b64encode(uuid.uuid4().bytes * 2).decode(),
                "registration_code": self.registration}

    def keep(self, name: str) -> Callable[[Answer], None]:
        def store(answer: Answer) -> None:
            setattr(self, name, answer.body["data"]["id"])

        return store

    def new_acme_certificate(self, n: int) -> None:
        answer = self.client(Request("POST", f"/apiv1/users/{self.user_id}/certificates",
                                     {"domain_name": f"w{n}-{self.run_id}.example.com", "acct_id": self.acme_acct_id,
                                      "challenge_type": "http-01"}, self.person()), 201)
        self.acme_cert_id = answer.body["data"]["id"]

    def unassigned(self, n: int) -> None:
        if n:  # the warm-up assigned it: each measured run assigns anew
            self.client(Request("DELETE", f"/apiv1/users/{self.user_id}/devices/{self.device_id}/certificates/"
                                          f"{self.cert_id}", headers=self.person()), 204)

    def certificate_steps(self) -> list[Step]:
        users = f"/apiv1/users/{self.user_id}"
        mine = "/apiv1/devices/self/certificates"
        return [
            Step(lambda n: Request("POST", f"{users}/cas", {"name": f"ca{n}", "algorithm": "ECDSA"}, self.person()),
                 expect=201, keep=self.keep("ca_id"), note="CA key sealed (KMS)"),
            Step(lambda n: Request("POST", f"{users}/acme-accounts", {"name": f"own{n}", "provider": "SELF_CA",
                                                                       "ca_id": self.ca_id}, self.person()),
                 expect=201, keep=self.keep("acct_id")),
            Step(lambda n: Request("POST", f"{users}/acme-accounts/{self.acct_id}/certificates",
                                   {"domain_name": f"app{n}.example.internal"}, self.person()),
                 expect=201, keep=self.keep("cert_id")),
            Step(lambda n: Request("POST", f"{users}/certificates/{self.cert_id}/issues", {}, self.person()),
                 note="SELF_CA: leaf at once, data key, master wrap"),
            Step(lambda n: Request("POST", f"{users}/devices/{self.device_id}/certificates",
                                   {"cert_id": self.cert_id}, self.person()),
                 prepare=self.unassigned, note="sealed to the device + cert.updated"),
            Step(lambda n: Request("GET", f"{mine}/{self.cert_id}", headers=self.device())),
            Step(lambda n: Request("GET", f"{mine}/{self.cert_id}/deploy-materials", headers=self.device())),
            Step(lambda n: Request("GET", f"{users}/certificates/{self.cert_id}/export", headers=self.person(),
                                   query="format=zip"), note="ZIP + PKCS#12"),
            Step(lambda n: Request("GET", f"{users}/certificates/{self.cert_id}/issues", headers=self.person())),
            Step(lambda n: Request("POST", f"{users}/cas/{self.ca_id}/issue",
                                   {"domain_name": f"leaf{n}.example.internal"}, self.person())),
            Step(lambda n: Request("POST", f"{users}/certificates/{self.acme_cert_id}/issues", {}, self.person()),
                 expect=204, prepare=self.new_acme_certificate, note="ACME: state + sealed key + message"),
            Step(lambda n: Request("GET", f"{users}/acme-accounts", headers=self.person())),
            Step(lambda n: Request("GET", "/.well-known/acme-challenge/no-such-token"), expect=404),
        ]

    def steps(self) -> list[Step]:
        notify = {"schema": "certctrl.device.notify.v1",
                  "events": [{"type": "agent_version", "agent": "cert-ctrl", "version": "1.4.2"}]}
        every_key = [{"obtype": "devices", "obid": "*", "actions": ["read", "create", "update", "delete"]},
                     {"obtype": "apikeys", "obid": "*", "actions": ["read", "create", "update", "delete"]}]
        return [
            Step(lambda n: Request("GET", "/health")),
            Step(lambda n: Request("POST", "/auth/general", {"action": "login", "email": self.email,
                                                             "password": self.PASSWORD}),
                 note="argon2id test profile"),
            Step(lambda n: Request("GET", "/auth/status", headers=self.person())),
            Step(lambda n: Request("POST", f"/apiv1/users/{self.user_id}/apikeys",
                                   {"name": f"k{n}", "permissions": every_key}, self.person()),
                 expect=201, keep=self.keep_key),
            Step(lambda n: Request("GET", "/apiv1/me/apikeys", headers=bearer(self.key)), note="API key"),
            Step(lambda n: Request("POST", "/auth/device", {"action": "device_start", "scopes": ["openid"],
                                                            "interval": 5, "expires_in": 900}),
                 note="device_start"),
            Step(lambda n: Request("POST", "/auth/device", {"action": "device_poll",
                                                            "device_code": self.device_code}),
                 prepare=self.start_login, note="device_poll, pending"),
            Step(lambda n: Request("POST", "/apiv1/device/registration", self.registration_body(n)),
                 prepare=self.approved_code, keep=self.keep_device, note="code from device_poll"),
            Step(lambda n: Request("GET", "/apiv1/devices/self/updates", headers=self.device(), query="limit=20"),
                 expect=204, note="idle"),
            Step(self.install, note="+ install.updated in the same transaction"),
            Step(lambda n: Request("GET", "/apiv1/devices/self/updates",
                                   headers={**self.device(), "if-none-match": f'"{self.cursor}"'},
                                   query=f"cursor={self.cursor}&limit=20"),
                 prepare=self.changed, keep=self.keep_cursor, note="one new signal"),
            Step(lambda n: Request("POST", "/apiv1/devices/self/notify", notify, self.device()), expect=204),
            Step(lambda n: Request("POST", "/auth/refresh", {"refresh_token": self.refresh}), keep=self.keep_pair),
            Step(lambda n: Request("GET", f"/apiv1/users/{self.user_id}/devices", headers=self.person())),
            Step(lambda n: Request("GET", "/apiv1/permissions/catalog", headers=self.person())),
            # issue 19: WebAuthn, sign-in, notifications, tunnels, extras
            Step(lambda n: Request("POST", "/auth/webauthn/register/options", {}, self.person()),
                 note="+ challenge"),
            Step(lambda n: Request("POST", "/auth/webauthn/login/options", {}), note="discoverable keys"),
            Step(lambda n: Request("GET", "/auth/webauthn/credentials", headers=self.person())),
            Step(lambda n: Request("GET", "/auth/solana"), note="nonce to sign"),
            Step(lambda n: Request("POST", f"/apiv1/users/{self.user_id}/notifications/channels",
                                   {"type": "email", "name": f"c{n}", "address": f"c{n}-{self.email}"},
                                   self.person()), expect=201, note="+ code by mail (outbox)"),
            Step(lambda n: Request("GET", f"/apiv1/users/{self.user_id}/notifications/channels",
                                   headers=self.person())),
            Step(lambda n: Request("PUT", f"/apiv1/users/{self.user_id}/notifications/subscriptions/cert.expiring/"
                                          "email", {"enabled": True}, self.person())),
            Step(lambda n: Request("GET", "/apiv1/notifications/templates", headers=self.person())),
            Step(lambda n: Request("GET", f"/apiv1/users/{self.user_id}/tunnel_sessions", headers=self.person())),
            Step(lambda n: Request("POST", f"/hooks/unknown-tunnel-{n:04d}", {"event": "x"}), expect=404,
                 note="unknown tunnel"),
            Step(lambda n: Request("POST", "/txt-as-url-response", {"text": f"text {n}"}, self.person()),
                 expect=201, keep=self.keep_text),
            Step(lambda n: Request("GET", f"/txt-as-url-response/{self.text}"), note="public"),
            *self.money_and_git_steps(),  # issue 20 and git
            *self.certificate_steps(),
        ]

    def keep_text(self, answer: Answer) -> None:
        self.text = answer.body["data"]["uuid"]


class RelayScenario:
    """The first admin signs in, adds a package and a user with that package and an API key, an upstream account
    (credentials sealed with KMS), and reads the admin screens; the user signs in and reads their keys, usage
    and packages after the proxy has counted a request (the usage writer, unmeasured). Then the proxy (the ASGI
    app through its Mangum handler, as API Gateway invokes it) answers OpenAI Chat requests with the user's key
    from an OpenAI account on a fake LLM, whole and streamed; the usage worker writes one of the events they
    queued; the maintenance schedule runs."""

    PASSWORD = "bench-admin-pass"  # noqa: S105 (moto only)

    def __init__(self, client: Client, fake_url: str) -> None:
        self.client = client
        self.run_id = uuid.uuid4().hex[:8]
        self.admin_token = self.user_token = self.key_secret = ""
        self.package_id = self.user_id = self.held_id = self.key_id = 0
        self.llm: Any = None

    def set_up(self) -> None:
        from devstack.fake_llm import FakeLLM  # noqa: PLC0415
        from relay.logic import catalog, configs, users  # noqa: PLC0415

        self.llm = FakeLLM().start()  # a daemon server: it ends with the benchmark's process
        self.client.overrides["RELAY_TRUSTED_ORIGINS"] = self.llm.url
        self.client.use_environment(self.client.by_key["relay.AuthFunction"], force=True)
        users.create(f"admin-{self.run_id}", self.PASSWORD, role="admin")
        configs.update([("captcha_enabled", "false"), ("login_rate_limit_enable", "false")])
        catalog.init_defaults()

    def keep_key(self, answer: Answer) -> None:
        self.key_id, self.key_secret = answer.body["data"]["id"], answer.body["data"]["key"]

    def upstream_account(self, n: int) -> None:
        if n == 0:
            self.client(Request("POST", "/api/admin/accounts", {"name": "openai on the fake", "type": "openai",
                                                                "base_url": self.llm.url, "api_key": "sk-upstream"},
                                self.admin()), expect=201)

    def proxy_call(self, *, stream: bool) -> Request:
        body = {"model": "gpt-4.1", "messages": [{"role": "user", "content": "hi"}], "stream": stream}
        return Request("POST", "/openai/v1/chat/completions", body, {"authorization": f"Bearer {self.key_secret}"})

    def usage_batch(self, n: int) -> Request:
        """One usage event the proxy queued, as the SQS event source hands it to the worker."""
        from devstack.sqs_pump import lambda_record  # noqa: PLC0415
        from suite import aws  # noqa: PLC0415

        url = self.client.by_key["relay.ProxyFunction"].environment.get("RELAY_USAGE_QUEUE_URL", "")
        sqs = aws.client("sqs")
        message = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, AttributeNames=["All"])["Messages"][0]
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return Request(INVOKE, "relay.UsageWorkerFunction", {"Records": [lambda_record(message, arn)]})

    def admin(self) -> dict[str, str]:
        return bearer(self.admin_token)

    def user(self) -> dict[str, str]:
        return bearer(self.user_token)

    def keep(self, name: str) -> Callable[[Answer], None]:
        def store(answer: Answer) -> None:
            data = answer.body["data"]
            setattr(self, name, data["token"] if name.endswith("token") else data["id"])
        return store

    def count_a_request(self, n: int) -> None:
        from relay.store import usage  # noqa: PLC0415

        usage.record(usage.UsageEvent(request_id=f"bench-{self.run_id}-{n}", user_id=self.user_id,
                                      api_key_id=self.key_id, user_package_id=self.held_id,
                                      model="claude-sonnet-4-5-20250929", input_tokens=1000, output_tokens=200,
                                      input_cost=0.003, output_cost=0.003))

    def steps(self) -> list[Step]:
        login = {"username": f"admin-{self.run_id}", "password": self.PASSWORD}
        user_name = f"user-{self.run_id}-{{n}}"
        return [
            Step(lambda n: Request("GET", "/health")),
            Step(lambda n: Request("GET", "/api/auth/captcha/status")),
            Step(lambda n: Request("POST", "/api/auth/login", login), keep=self.keep("admin_token")),
            Step(lambda n: Request("GET", "/api/profile", headers=self.admin())),
            Step(lambda n: Request("POST", "/api/admin/packages", {"name": f"pkg {n}", "type": "quota",
                                                                   "quota_amount": 20}, self.admin()),
                 expect=201, keep=self.keep("package_id")),
            Step(lambda n: Request("POST", "/api/admin/users", {"username": user_name.format(n=n),
                                                                "password": self.PASSWORD}, self.admin()),
                 expect=201, keep=self.keep("user_id")),
            Step(lambda n: Request("POST", f"/api/admin/user-packages/user/{self.user_id}",
                                   {"package_id": self.package_id}, self.admin()), expect=201,
                 keep=self.keep("held_id")),
            Step(lambda n: Request("POST", "/api/auth/login", {"username": user_name.format(n=n),
                                                               "password": self.PASSWORD}),
                 keep=self.keep("user_token"), note="the new user"),
            Step(lambda n: Request("POST", "/api/api-keys", {"name": "bench", "user_package_id": self.held_id,
                                                             "rate_limit": 1000}, self.user()),
                 expect=201, keep=self.keep_key),
            Step(lambda n: Request("GET", "/api/api-keys", headers=self.user()), prepare=self.count_a_request),
            Step(lambda n: Request("GET", "/api/usage/summary", headers=self.user())),
            Step(lambda n: Request("GET", "/api/usage/daily", headers=self.user())),
            Step(lambda n: Request("GET", "/api/usage/records", headers=self.user())),
            Step(lambda n: Request("GET", "/api/my-packages", headers=self.user())),
            Step(lambda n: Request("GET", "/api/models", headers=self.user())),
            Step(lambda n: Request("GET", "/api/admin/users", headers=self.admin())),
            Step(lambda n: Request("GET", "/api/admin/api-keys", headers=self.admin())),
            Step(lambda n: Request("POST", "/api/admin/accounts", {"name": f"console {n}", "type": "claude-console",
                                                                   "api_key": f"sk-ant-bench-{n}"}, self.admin()),
                 expect=201, note="credentials sealed with KMS"),
            Step(lambda n: Request("GET", "/api/admin/accounts", headers=self.admin())),
            Step(lambda n: Request("GET", "/api/admin/logs", headers=self.admin())),
            Step(lambda n: Request("GET", "/api/admin/logs/usage-summary", headers=self.admin())),
            Step(lambda n: Request("GET", "/api/admin/monitor/today", headers=self.admin())),
            Step(lambda n: Request("GET", "/api/admin/configs", headers=self.admin())),
            Step(lambda n: Request("POST", "/api/admin/client-filter/test",
                                   {"user_agent": "claude-cli/1.0.83 (external, cli)"}, self.admin())),
            Step(lambda n: self.proxy_call(stream=False), prepare=self.upstream_account,
                 note="sk- key, limits, slots, account pool, usage event"),
            Step(lambda n: self.proxy_call(stream=True), note="streamed"),
            Step(self.usage_batch, note="the usage worker: one event"),
            Step(lambda n: Request(INVOKE, "relay.MaintenanceFunction",
                                   json.loads((REPO / "events" / "relay" / "maintenance.json").read_text())),
                 note="the maintenance schedule"),
        ]


def kook_encrypt(plain: bytes, key: str) -> bytes:
    """KOOK's webhook encryption: AES-256-CBC with the encrypt key NUL-padded to 32 bytes, PKCS#7; the body is
    `{"encrypt": base64(iv + base64(ciphertext))}` with a 16-character IV."""
    from cryptography.hazmat.primitives import padding  # noqa: PLC0415
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes  # noqa: PLC0415

    iv = uuid.uuid4().hex[:16].encode()
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(key.encode().ljust(32, b"\0")), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(padder.update(plain) + padder.finalize()) + encryptor.finalize()
    return json.dumps({"encrypt": base64.b64encode(iv + base64.b64encode(ciphertext)).decode()}).encode()


SCENARIOS: dict[str, Callable[[Client, str], Any]] = {
    "ccjk": CcjkWithMarket,  # CcjkScenario's steps, then issue 18's client core, then its marketplace
    "classworks": ClassworksScenario,
    "kook": KookScenario,
    "relay": RelayScenario,
    "certctrl": CertctrlScenario,
}


# ------------------------------------------------------------------------------------------------ the run

def code_paths(template: Path) -> list[Path]:
    """The repository root, then every function's code directory and layer directory (as the tests' pythonpath)."""
    sys.path.insert(0, str(REPO))
    from devstack.template import open_suite  # noqa: PLC0415 (needs the repository root on sys.path)

    paths: list[Path] = []
    for function in open_suite(template, stack_name=STACK_NAME).functions():
        for path in (*function.layer_dirs, function.code_dir):
            if path not in paths:
                paths.append(path)
    return paths


@contextlib.contextmanager
def stdout_to(path: Path) -> Iterator[None]:
    """Handler logs and EMF metrics (JSON lines on stdout, as on Lambda) go to a file, not into the table."""
    sys.stdout.flush()
    saved = os.dup(1)
    with path.open("ab") as sink:
        os.dup2(sink.fileno(), 1)
        try:
            yield
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)


def progress(text: str) -> None:
    if sys.stderr.isatty():
        print("\r" + text[:100].ljust(100), end="", file=sys.stderr, flush=True)


def run_services(services: list[str], runs: int, log_path: Path) -> tuple[list[Row], int]:
    """Provision moto, run each service's scenario; (rows, AWS calls made outside any request)."""
    for path in reversed(code_paths(TEMPLATE)):
        sys.path.insert(0, str(path))
    from devstack.fake_aws import FAKE_AWS_ENV  # noqa: PLC0415 (the repository root is on sys.path by now)

    os.environ.update(FAKE_AWS_ENV)
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        os.environ.pop(name, None)
    no_file = str(log_path.parent / "no-aws-config")  # never ~/.aws of this machine
    os.environ["AWS_CONFIG_FILE"] = os.environ["AWS_SHARED_CREDENTIALS_FILE"] = no_file

    from devstack.fake_provider import FakeProvider  # noqa: PLC0415
    from devstack.moto_fidelity import make_dynamodb_requests_atomic  # noqa: PLC0415
    from tests.support.moto_stack import moto_suite  # noqa: PLC0415

    make_dynamodb_requests_atomic()
    recorder = CallRecorder()
    rows: list[Row] = []
    with FakeProvider() as fake, moto_suite(TEMPLATE, stack_name=STACK_NAME) as suite, stdout_to(log_path):
        base_urls = {name for fn in suite.functions() for name in fn.environment if name.endswith("_BASE_URL")}
        overrides = {**dict.fromkeys(sorted(base_urls), fake.url), **BENCH_ENV}
        recorder.install()
        try:
            for service in services:
                rows.extend(run_scenario(suite, service, recorder=recorder, overrides=overrides, fake=fake, runs=runs))
        finally:
            recorder.uninstall()
    progress("")
    if sys.stderr.isatty():
        print("\r", end="", file=sys.stderr)
    return rows, recorder.outside


def run_scenario(suite: Any, service: str, *, recorder: CallRecorder, overrides: dict[str, str], fake: Any,
                 runs: int) -> list[Row]:
    client = Client(suite, service, recorder, overrides)
    scenario = SCENARIOS[service](client, fake.url)
    fake.reset()
    if hasattr(scenario, "set_up_fake"):
        scenario.set_up_fake(fake)
    try:
        client.prepare_handlers()
        if hasattr(scenario, "set_up"):
            scenario.set_up()
    except Exception as exc:
        return [Row(service, "(scenario set-up)", error=f"{type(exc).__name__}: {exc}")]
    rows = []
    steps = scenario.steps()
    for index, step in enumerate(steps, start=1):
        progress(f"{service}: step {index}/{len(steps)}")
        rows.append(run_step(client, step, runs))
    return rows


# ------------------------------------------------------------------------------------------------ reporting

def call_counts(row: Row) -> str:
    counts = sorted({len(call.calls) for call in row.measured})
    if not counts:
        return "-"
    return str(counts[0]) if len(counts) == 1 else f"{counts[0]}–{counts[-1]}"


def operations(row: Row) -> str:
    """The measured runs' operations; when runs differ, each distinct list with how many runs made it."""
    seen = Counter(by_operation(call.calls) for call in row.measured)
    if len(seen) <= 1:
        return next(iter(seen), "-")
    return " | ".join(f"{ops} (×{times} runs)" for ops, times in seen.most_common())


def table_row(row: Row) -> list[str]:
    if row.error and not row.measured:
        return [row.service, row.request, "FAILED", "", "", ""]
    ms = statistics.median(call.ms for call in row.measured)
    runs = str(len(row.measured)) if row.repeatable else "1*"
    count = call_counts(row) + (" FAILED" if row.error else "")
    return [row.service, row.request, count, operations(row), f"{ms:.1f}", runs]


def render(rows: list[list[str]], header: list[str], numeric: set[int]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return " | ".join(c.rjust(w) if i in numeric else c.ljust(w)
                          for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    rule = "-+-".join("-" * w for w in widths)
    out = [line(header), rule]
    previous = None
    for row in rows:
        if previous is not None and row[0] != previous:
            out.append(rule)
        out.append(line(row))
        previous = row[0]
    return "\n".join(out)


def first_call_notes(rows: list[Row]) -> list[str]:
    """Rows whose warm-up call made different AWS calls than the measured runs (cold caches, first use)."""
    notes = []
    for row in rows:
        if row.warmup is None or not row.measured:
            continue
        warm = by_operation(row.measured[0].calls)
        first = by_operation(row.warmup.calls)
        if first != warm:
            notes.append(f"  {row.service} {row.request}: {len(row.warmup.calls)} calls: {first}")
    return notes


def versions() -> str:
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

    found = []
    for package in ("boto3", "botocore", "moto", "aws-lambda-powertools"):
        with contextlib.suppress(PackageNotFoundError):
            found.append(f"{package} {version(package)}")
    return ", ".join(found)


def environment_summary(runs: int, services: list[str], load: tuple[str, str], seconds: float,
                        outside: int) -> dict[str, Any]:
    return {
        **machine.describe(load),
        "runs": runs,
        "services": services,
        "template": str(TEMPLATE.relative_to(REPO)),
        "packages": versions(),
        "seconds": round(seconds, 1),
        "setup_calls_not_attributed": outside,
    }


def report(rows: list[Row], summary: dict[str, Any]) -> str:
    header = ["service", "request", "AWS calls", "by operation", "median ms in-process", "runs"]
    body = [table_row(row) for row in rows]
    lines = [render(body, header, numeric={2, 4, 5}), ""]
    notes = first_call_notes(rows)
    if notes:
        lines.append("first call differs (warm-up call, not in the row: cold caches, first use of a secret or key):")
        lines.extend(notes)
        lines.append("")
    lines += [
        "AWS calls: per request, counted at botocore's BaseClient._make_api_call; runs: measured requests after "
        "one warm-up call; 1* = not repeatable (first-time set-up), measured once, first-call costs included.",
        "median ms in-process: the handler call alone in this process against moto (no network to AWS): compare "
        "rows, not with AWS latency.",
        f"python: {summary['python']} ({summary['executable']}); {summary['packages']}",
        f"machine: {summary['machine']}, {summary['cpus']} CPUs; template: {summary['template']}, "
        f"services: {', '.join(summary['services'])}",
        f"load average (1 min) before / after: {summary['load_average_before']} / {summary['load_average_after']}; "
        f"total {summary['seconds']:.1f} s (moto provisioning included)",
    ]
    return "\n".join(lines)


def write_json(path: Path, rows: list[Row], summary: dict[str, Any]) -> None:
    def call(c: Call | None) -> dict[str, Any] | None:
        if c is None:
            return None
        return {"status": c.answer.status, "ms": round(c.ms, 3), "aws_calls": len(c.calls),
                "operations": [f"{service}.{operation}" for service, operation in c.calls]}

    document = {**summary, "rows": [
        {"service": r.service, "request": r.request, "function": r.function, "repeatable": r.repeatable,
         "median_ms": statistics.median(c.ms for c in r.measured) if r.measured else None,
         "scans": r.scans, "error": r.error, "warmup": call(r.warmup), "runs": [call(c) for c in r.measured]}
        for r in rows]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


# ------------------------------------------------------------------------------------------------ main

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=sorted(SCENARIOS), metavar="SERVICE",
                        help=f"one service ({', '.join(SCENARIOS)})")
    parser.add_argument("--runs", type=int, default=5, help="measured repetitions per repeatable request (default 5)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the raw numbers to PATH")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    services = [args.only] if args.only else list(SCENARIOS)
    load_before = machine.load_average()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="aws-calls-") as scratch:
        log_path = Path(scratch) / "handlers.log"
        rows, outside = run_services(services, args.runs, log_path)
        handler_log = log_path.read_text(errors="replace") if log_path.exists() else ""
    summary = environment_summary(args.runs, services, (load_before, machine.load_average()),
                                  time.perf_counter() - start, outside)
    print(report(rows, summary))
    if args.json:
        write_json(args.json, rows, summary)

    status = 0
    failed = [row for row in rows if row.error]
    for row in failed:
        print(f"\n{row.service} {row.request} failed: {row.error}", file=sys.stderr)
    if failed:
        tail = "\n".join(handler_log.splitlines()[-30:])
        print(f"\nlast handler log lines:\n{tail}", file=sys.stderr)
        status = 1
    scanning = [row for row in rows if row.scans]
    for row in scanning:
        requests = len(row.measured) + (row.warmup is not None)
        print(f"\n!!! SCAN ON A REQUEST PATH: {row.service} {row.request} made dynamodb.Scan {row.scans} time(s) in "
              f"{requests} request(s); shipped code must never scan !!!")
    if scanning:
        status = 3
    return status


if __name__ == "__main__":
    sys.exit(main())
