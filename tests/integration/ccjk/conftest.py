"""ccjk handlers on moto (resources from the real templates) and fake robots on 127.0.0.1."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from devstack.fake_provider import FakeProvider
from devstack.sqs_pump import lambda_record
from suite import aws, config
from tests.support.lambda_events import FakeLambdaContext, http_event, response_json
from tests.support.moto_stack import moto_suite, use_function_env

HANDLERS = {
    "devices": "ccjk.handlers.devices",
    "notify": "ccjk.handlers.notify",
    "auth": "ccjk.handlers.auth",
    "cloud_sync": "ccjk.handlers.cloud_sync",
    "worker": "ccjk.handlers.notify_worker",
}
FEISHU_HOOK = "/open-apis/bot/v2/hook/"


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]

    @property
    def data(self) -> Any:
        return self.body["data"]


class Api:
    """Calls the ccjk handlers with API Gateway events, like the gateway would."""

    def __init__(self) -> None:
        self.source_ip = "127.0.0.1"

    def call(self, function: str, method: str, path: str, *, body: Any = None, token: str | None = None,
             jwt: str | None = None, headers: dict[str, str] | None = None, query: str = "",
             route: str | None = None, params: dict[str, str] | None = None) -> Answer:
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["x-device-token"] = token
        if jwt is not None:
            all_headers["authorization"] = f"Bearer {jwt}"
        event = http_event(method, path, body=body, headers=all_headers, query=query, route=route,
                           path_parameters=params)
        event["requestContext"]["http"]["sourceIp"] = self.source_ip
        config.reset_all()  # the test may have changed the environment
        module = importlib.import_module(HANDLERS[function])
        response = module.handler(event, FakeLambdaContext())
        return Answer(response["statusCode"], response_json(response), response.get("headers") or {})

    # -- the flows most tests need ------------------------------------------------------------------------------

    def register_device(self, name: str = "laptop") -> tuple[str, str]:
        answer = self.call("devices", "POST", "/device/register", body={"name": name, "type": "desktop"})
        assert answer.status == 201, answer.body
        return answer.data["deviceId"], answer.data["token"]

    def register_user(self, email: str, password: str = "correct horse battery") -> str:  # noqa: S107
        answer = self.call("auth", "POST", "/auth/register", body={"email": email, "password": password,
                                                                    "name": email.split("@", maxsplit=1)[0]})
        assert answer.status == 201, answer.body
        login = self.call("auth", "POST", "/auth/login", body={"email": email, "password": password})
        assert login.status == 200, login.body
        return login.data["token"]

    def bind_new_device(self, jwt: str, name: str = "bound") -> tuple[str, str]:
        code = self.call("auth", "POST", "/bind/generate", jwt=jwt).data["code"]
        used = self.call("auth", "POST", "/bind/use", body={"code": code, "device": {"name": name}})
        assert used.status == 200, used.body
        return used.data["deviceId"], used.data["deviceToken"]

    def set_channels(self, token: str, channels: list[dict[str, Any]]) -> Answer:
        return self.call("devices", "PUT", "/device/channels", token=token, body={"channels": channels})


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
        worker = importlib.import_module(HANDLERS["worker"])
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


@pytest.fixture(scope="session")
def robots() -> Iterator[Robots]:
    with FakeProvider() as feishu, FakeProvider() as dingtalk, FakeProvider() as wecom:
        yield Robots(feishu, dingtalk, wecom)


@pytest.fixture(scope="module")
def stack():
    with moto_suite() as loaded:
        yield loaded


@pytest.fixture
def env(monkeypatch, stack, robots) -> dict[str, str]:
    values = use_function_env(monkeypatch, stack, "ccjk.NotifyWorkerFunction")
    for name, fake in (("FEISHU", robots.feishu), ("DINGTALK", robots.dingtalk), ("WECOM", robots.wecom)):
        monkeypatch.setenv(f"{name}_BASE_URL", fake.url)
        values[f"{name}_BASE_URL"] = fake.url
    robots.reset()
    aws.reset_clients()
    config.reset_all()
    return values


@pytest.fixture
def api(env) -> Api:
    return Api()


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
