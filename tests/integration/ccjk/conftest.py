"""ccjk on the session's moto stack (tests/integration/conftest.py `moto_stack`) through the one test client
(tests/support/api_client.py), with fake robots on 127.0.0.1.

Isolation on the shared stack: every test's requests come from an address of its own (the service limits
registrations, logins and bind attempts per address), devices and users are new per test (fresh ids, e-mails
of the test's own), and the `queue` fixture empties the notify queue and its DLQ first.
"""

from __future__ import annotations

import importlib
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from ccjk.store import limits
from devstack.fake_provider import FakeProvider
from devstack.sqs_pump import lambda_record
from suite import aws
from suite.ratelimit import FixedWindowLimiter
from tests.support.api_client import Answer, ApiClient
from tests.support.lambda_events import FakeLambdaContext

WORKER = "ccjk.NotifyWorkerFunction"
FEISHU_HOOK = "/open-apis/bot/v2/hook/"
_addresses = itertools.count(1)


def fresh_address() -> str:
    """A client address no other test uses (198.18.0.0/15, the benchmarking range)."""
    n = next(_addresses)
    return f"198.18.{n // 250}.{n % 250 + 1}"


class CcjkAnswer(Answer):
    """The client's Answer, plus the `data` of ccjk's `{success, data}` envelope."""

    @property
    def data(self) -> Any:
        return self.json["data"]


class Api:
    """The flows most ccjk tests need, on ApiClient: a request with a device token and/or a user JWT."""

    def __init__(self, client: ApiClient) -> None:
        self.client = client

    @property
    def source_ip(self) -> str:
        return self.client.source_ip

    @source_ip.setter
    def source_ip(self, address: str) -> None:
        self.client.source_ip = address

    def call(self, method: str, path: str, *, body: Any = None, token: str | None = None, jwt: str | None = None,
             headers: dict[str, str] | None = None, query: str = "") -> CcjkAnswer:
        sent = dict(headers or {})
        if token is not None:
            sent["x-device-token"] = token
        if jwt is not None:
            sent["authorization"] = f"Bearer {jwt}"
        answer = self.client.request(method, path, body, headers=sent, query=query)
        return CcjkAnswer(**vars(answer))

    def register_device(self, name: str = "laptop") -> tuple[str, str]:
        answer = self.call("POST", "/device/register", body={"name": name, "type": "desktop"})
        assert answer.status == 201, answer.body
        return answer.data["deviceId"], answer.data["token"]

    def register_user(self, email: str, password: str = "correct horse battery") -> str:  # noqa: S107
        answer = self.call("POST", "/auth/register", body={"email": email, "password": password,
                                                           "name": email.split("@", maxsplit=1)[0]})
        assert answer.status == 201, answer.body
        login = self.call("POST", "/auth/login", body={"email": email, "password": password})
        assert login.status == 200, login.body
        return login.data["token"]

    def bind_new_device(self, jwt: str, name: str = "bound") -> tuple[str, str]:
        code = self.call("POST", "/bind/generate", jwt=jwt).data["code"]
        used = self.call("POST", "/bind/use", body={"code": code, "device": {"name": name}})
        assert used.status == 200, used.body
        return used.data["deviceId"], used.data["deviceToken"]

    def set_channels(self, token: str, channels: list[dict[str, Any]]) -> CcjkAnswer:
        return self.call("PUT", "/device/channels", token=token, body={"channels": channels})


class Queue:
    """The notify queue in moto, and the worker run over it the way the Lambda event source would."""

    def __init__(self, env: dict[str, str]) -> None:
        self.url = env["NOTIFY_QUEUE_URL"]
        attrs = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["RedrivePolicy", "QueueArn"])
        self.arn = attrs["Attributes"]["QueueArn"]
        dlq_arn = json.loads(attrs["Attributes"]["RedrivePolicy"])["deadLetterTargetArn"]
        self.dlq_url = self.sqs.get_queue_url(QueueName=dlq_arn.rsplit(":", 1)[-1])["QueueUrl"]

    @property
    def sqs(self) -> Any:
        return aws.client("sqs")

    def receive(self, url: str | None = None, max_messages: int = 10) -> list[dict[str, Any]]:
        return self.sqs.receive_message(QueueUrl=url or self.url, MaxNumberOfMessages=max_messages,
                                        AttributeNames=["All"], MessageSystemAttributeNames=["All"],
                                        WaitTimeSeconds=0).get("Messages", [])

    def run_worker(self, messages: list[dict[str, Any]], *, make_failures_visible: bool = True) -> dict[str, Any]:
        """One worker invocation over `messages`; successes are deleted (as Lambda does), failures made visible
        again at once when asked (like devstack's --sqs-retry-delay 0), else left with the worker's delay."""
        worker = importlib.import_module("ccjk.handlers.notify_worker")
        result = worker.handler({"Records": [lambda_record(m, self.arn) for m in messages]}, FakeLambdaContext())
        failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        for message in messages:
            if message["MessageId"] not in failed:
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
            elif make_failures_visible:
                self.sqs.change_message_visibility(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"],
                                                   VisibilityTimeout=0)
        return result

    def clear(self) -> None:
        """Delete what earlier tests left visible (PurgeQueue is allowed only once a minute)."""
        for url in (self.url, self.dlq_url):
            while messages := self.receive(url):
                for message in messages:
                    self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    def drain(self, rounds: int = 30) -> int:
        """Run the worker until the queue is empty (or `rounds` invocations); returns the invocations."""
        for done in range(rounds):
            messages = self.receive()
            if not messages:
                return done
            self.run_worker(messages)
        return rounds


@dataclass
class Robots:
    feishu: FakeProvider
    dingtalk: FakeProvider
    wecom: FakeProvider

    def reset(self) -> None:
        for fake in (self.feishu, self.dingtalk, self.wecom):
            fake.reset()

    def base_urls(self) -> dict[str, str]:
        return {"FEISHU_BASE_URL": self.feishu.url, "DINGTALK_BASE_URL": self.dingtalk.url,
                "WECOM_BASE_URL": self.wecom.url}


@pytest.fixture(scope="session")
def robots() -> Iterator[Robots]:
    with FakeProvider() as feishu, FakeProvider() as dingtalk, FakeProvider() as wecom:
        yield Robots(feishu, dingtalk, wecom)


@pytest.fixture
def client(moto_stack, monkeypatch, robots) -> ApiClient:
    """ccjk's functions with the robots' base URLs pointing at the fakes, from an address of the test's own."""
    robots.reset()
    return ApiClient(moto_stack, "ccjk", monkeypatch, overrides=robots.base_urls(), source_ip=fresh_address())


@pytest.fixture
def env(client) -> dict[str, str]:
    """The worker's environment (every ccjk function has the same), set in the test process."""
    return client.use_env(WORKER)


@pytest.fixture
def api(client, env) -> Api:
    return Api(client)


@pytest.fixture
def frozen_limits(monkeypatch):
    """Rate-limit windows on a fixed clock, so a test that counts up to a limit never straddles a window boundary
    (50 s left in its minute, 230 s in its 10 minutes, 830 s in its 15 minutes and in its hour)."""
    monkeypatch.setattr(limits, "limiter", lambda: FixedWindowLimiter(
        limits.table(), sort_key=("sk", "LIMIT"), clock=lambda: 1_899_999_970.0))


@pytest.fixture
def queue(env) -> Queue:
    found = Queue(env)
    found.clear()
    return found


def feishu_channel(robots: Robots, hook: str, secret: str | None = "feishu-secret") -> dict[str, Any]:  # noqa: S107
    channel: dict[str, Any] = {"type": "feishu", "enabled": True,
                               "webhookUrl": f"{robots.feishu.url}{FEISHU_HOOK}{hook}"}
    if secret is not None:
        channel["secret"] = secret
    return channel


def dingtalk_channel(robots: Robots, access_token: str,
                     secret: str | None = "SECdingtalk-secret") -> dict[str, Any]:  # noqa: S107
    channel: dict[str, Any] = {"type": "dingtalk", "enabled": True,
                               "config": {"webhook": f"{robots.dingtalk.url}/robot/send?access_token={access_token}"}}
    if secret is not None:
        channel["config"]["secret"] = secret
    return channel


def wecom_channel(robots: Robots, key: str, label: str = "wecom") -> dict[str, Any]:
    return {"type": label, "enabled": True, "webhookUrl": f"{robots.wecom.url}/cgi-bin/webhook/send?key={key}"}


def raw_items(env: dict[str, str], pk: str) -> list[dict[str, Any]]:
    """Every stored attribute of a partition, as DynamoDB holds it (to check what is at rest)."""
    return aws.client("dynamodb").query(TableName=env["CCJK_TABLE"], KeyConditionExpression="pk = :pk",
                                        ExpressionAttributeValues={":pk": {"S": pk}})["Items"]
