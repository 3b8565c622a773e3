"""The request client of the classworks integration tests (see conftest.py for the fixtures): the suite's
ApiClient (routes like API Gateway, the function's own environment) with classworks' one-line fixtures."""

from __future__ import annotations

import itertools
import os
import uuid
from typing import Any

import pytest
from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends
from requests.structures import CaseInsensitiveDict

from classworks.logic import apps
from classworks.models.apps import AppSpec
from devstack.stream_pump import lambda_record
from devstack.template import Suite
from suite import aws
from tests.support.api_client import Answer, ApiClient

# Every client gets its own address, so per-IP limits (50 password checks a minute) stay per test on the
# session's one stack.
_ADDRESSES = itertools.count(1)


def _next_address() -> str:
    n = next(_ADDRESSES)
    return f"198.18.{n // 250 % 250}.{n % 250 + 1}"


class Api(ApiClient):
    def __init__(self, monkeypatch: pytest.MonkeyPatch, stack: Suite) -> None:
        super().__init__(stack, "classworks", monkeypatch, source_ip=_next_address())
        self.suite = stack
        # Logic called directly (fixtures) sees the same tables as the functions.
        self.use_env("classworks.KvFunction")

    def env(self, function_key: str) -> dict[str, str]:
        return self.use_env(function_key)

    def __call__(self, method: str, path: str, *, body: Any = None, raw_body: bytes | None = None,
                 headers: dict[str, str] | None = None, query: dict[str, Any] | str = "",
                 ip: str | None = None) -> Answer:
        answer = self.request(method, path, body, raw_body=raw_body, headers=headers, query=query, source_ip=ip)
        answer.headers = CaseInsensitiveDict(answer.headers)  # type: ignore[assignment]  (HTTP names are)
        return answer

    # --- fixtures as one-liners ----------------------------------------------------------------------
    def app(self, prefix: str | None = None, **fields: Any) -> dict[str, Any]:
        prefix = prefix or f"app{uuid.uuid4().hex[:8]}"
        spec = {"name": f"App {prefix}", "description": "d", "developerName": "dev", "permissionPrefix": prefix,
                **fields}
        app, _created = apps.save_app(AppSpec.model_validate(spec))
        return app

    def device(self, **fields: Any) -> str:
        device_uuid = fields.pop("uuid", None) or f"dev-{uuid.uuid4().hex[:12]}"
        answer = self("POST", "/api/devices", body={"uuid": device_uuid, "deviceName": "Room 301", **fields})
        assert answer.status == 201, answer.text
        return device_uuid

    def install(self, app_id: int, device_uuid: str, **kwargs: Any) -> str:
        answer = self("POST", f"/api/apps/{app_id}/install/{device_uuid}", **kwargs)
        assert answer.status == 200, answer.text
        return answer.json["token"]


def connections_backend():
    return apigatewaymanagementapi_backends["123456789012"]["us-east-1"]


class KvStream:
    """KvTable's stream on moto, read from where the last read stopped, as Lambda's records."""

    def __init__(self) -> None:
        # botocore now derives an account-based streams endpoint from the ARN, which moto does not know yet
        streams = aws.client("dynamodbstreams", "https://streams.dynamodb.us-east-1.amazonaws.com")
        arn = aws.client("dynamodb").describe_table(TableName=os.environ["KV_TABLE"])["Table"]["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        self.arn, self.streams = arn, streams
        self.iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                                   ShardIteratorType="LATEST")["ShardIterator"]
        self.records()  # moto's LATEST still includes the newest record already there: skip what came before

    def records(self) -> list[dict]:
        answer = self.streams.get_records(ShardIterator=self.iterator)
        self.iterator = answer["NextShardIterator"]
        return [lambda_record(record, self.arn) for record in answer["Records"]]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def stored_items(table_env: str = "CLASSWORKS_TABLE") -> list[dict[str, Any]]:
    """Every raw item of a table (tests only: shipped code never scans), to look at what is at rest."""
    import os  # noqa: PLC0415

    from suite import aws  # noqa: PLC0415

    ddb = aws.client("dynamodb")
    items: list[dict[str, Any]] = []
    request: dict[str, Any] = {"TableName": os.environ[table_env]}
    while True:
        page = ddb.scan(**request)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
