"""What the marketplace tests share (issue 18): the admin's Basic credentials (written into AdminCredentialsSecret),
catalogue items made through the admin API, users signed in through API v1, devices, CcjkTable's stream run
through DirectoryFunction, and a clock the tests can move.

Every test makes its own items (unique slugs) and users (unique e-mails) and sends from an address of its own, so
tests never see each other's data on the session's shared moto stack.
"""

from __future__ import annotations

import base64
import importlib
import itertools
import json
import uuid
from typing import Any

from devstack.stream_pump import lambda_record
from suite import aws
from tests.integration.ccjk.conftest import fresh_address
from tests.support.api_client import Answer, ApiClient
from tests.support.lambda_events import FakeLambdaContext

ADMIN = {"username": "market-admin", "password": "market-admin-password-1"}
PASSWORD = "market password 1"
_numbers = itertools.count(1)


def unique(prefix: str = "t") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def basic(username: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


class Market:
    """The ccjk client plus the marketplace's flows."""

    def __init__(self, client: ApiClient) -> None:
        self.client = client
        self.admin_written = False

    # -- requests ------------------------------------------------------------------------------------------------
    def call(self, method: str, path: str, body: Any = None, *, headers: dict[str, str] | None = None,
             query: dict[str, Any] | str = "", raw_body: bytes | None = None) -> Answer:
        return self.client.request(method, path, body, headers=headers, query=query, raw_body=raw_body)

    def get(self, path: str, **kwargs: Any) -> Answer:
        return self.call("GET", path, **kwargs)

    def env(self, name: str) -> str:
        for function in self.client.stack.stack("ccjk").functions():
            if name in function.environment:
                return function.environment[name]
        raise AssertionError(name)

    # -- admin ---------------------------------------------------------------------------------------------------
    def admin(self) -> dict[str, str]:
        if not self.admin_written:
            aws.client("secretsmanager").put_secret_value(SecretId=self.env("ADMIN_CREDENTIALS_SECRET_ARN"),
                                                          SecretString=json.dumps(ADMIN))
            self.admin_written = True
        return basic(ADMIN["username"], ADMIN["password"])

    def item(self, kind: str = "skill", **fields: Any) -> dict[str, Any]:
        """A new catalogue item through the admin API (route by kind); its admin view."""
        route = {"skill": "/admin/skills", "mcp": "/admin/mcp-servers"}.get(kind, "/admin/templates")
        body = {"type": kind, "name_en": fields.pop("name_en", f"Item {unique()}"), "category": "development",
                "slug": fields.pop("slug", unique(f"{kind}-")), **fields}
        answer = self.call("POST", route, body, headers=self.admin())
        assert answer.status == 201, answer.text
        return answer.json["data"]

    # -- users and devices ---------------------------------------------------------------------------------------
    def user(self, tier: str | None = None) -> dict[str, Any]:
        """A new user signed in through API v1: {id, email, access, refresh, headers}."""
        email = f"market-{next(_numbers)}-{unique()}@example.com"
        answer = self.client.request("POST", "/api/v1/auth/register", {"email": email, "password": PASSWORD,
                                                                       "username": email.split("@", maxsplit=1)[0]},
                                     source_ip=fresh_address())
        assert answer.status == 201, answer.text
        data = answer.json["data"]
        if tier:
            aws.client("dynamodb").update_item(
                TableName=self.env("CCJK_TABLE"), Key={"pk": {"S": f"USER#{data['user']['id']}"},
                                                       "sk": {"S": "PROFILE"}},
                UpdateExpression="SET tier = :t", ExpressionAttributeValues={":t": {"S": tier}})
        return {"id": data["user"]["id"], "email": email, "access": data["accessToken"],
                "refresh": data["refreshToken"], "headers": {"Authorization": f"Bearer {data['accessToken']}"}}

    def device(self) -> tuple[str, str]:
        answer = self.client.request("POST", "/device/register", {"name": "market laptop", "type": "cli"},
                                     source_ip=fresh_address())
        assert answer.status == 201, answer.text
        return answer.json["data"]["deviceId"], answer.json["data"]["token"]


class CcjkStream:
    """CcjkTable's stream on moto, read from where the last read stopped, delivered to DirectoryFunction as Lambda
    would (its records in order)."""

    def __init__(self, table: str) -> None:
        # botocore derives an account-based streams endpoint from the ARN, which moto does not know
        self.streams = aws.client("dynamodbstreams", "https://streams.dynamodb.us-east-1.amazonaws.com")
        self.arn = aws.client("dynamodb").describe_table(TableName=table)["Table"]["LatestStreamArn"]
        shard = self.streams.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"][0]["ShardId"]
        self.iterator = self.streams.get_shard_iterator(StreamArn=self.arn, ShardId=shard,
                                                        ShardIteratorType="LATEST")["ShardIterator"]

    def records(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        while True:
            answer = self.streams.get_records(ShardIterator=self.iterator, Limit=1000)
            self.iterator = answer["NextShardIterator"]
            found.extend(answer["Records"])
            if not answer["Records"]:
                return found

    def deliver(self, client: ApiClient) -> dict[str, Any]:
        client.use_env("ccjk.DirectoryFunction")
        module = importlib.import_module("ccjk.handlers.directory")
        records = [lambda_record(r, self.arn) for r in self.records()]
        return module.handler({"Records": records}, FakeLambdaContext())
