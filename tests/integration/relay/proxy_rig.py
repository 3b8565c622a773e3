"""The wired proxy in process: relay's ASGI app under uvicorn (a thread, a free port) with its real gate and
account pool on the session's moto stack, fake LLM upstreams (devstack/fake_llm.py) as the accounts' base URLs,
and the usage worker run by hand over the usage queue (`drain`).

Keys and accounts are made the way an operator makes them: accounts through the admin API (credentials sealed
with KMS), keys through the user's own API (`POST /api/api-keys`)."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from devstack.sqs_pump import lambda_record
from tests.integration.relay.support import Person, Relay
from tests.support.lambda_events import FakeLambdaContext

PROXY = "relay.ProxyFunction"


@contextmanager
def served(app: Any) -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)


class Rig:
    def __init__(self, relay: Relay, url: str) -> None:
        self.relay = relay
        self.url = url
        self.env = relay.env(PROXY)

    # --- making things ---------------------------------------------------------------------------------------
    def account(self, admin: Person, base_url: str, *, type: str = "claude-console", **fields: Any) -> dict[str, Any]:
        body = {"name": f"acct-{uuid.uuid4().hex[:6]}", "type": type, "base_url": base_url,
                "api_key": f"upstream-{uuid.uuid4().hex[:8]}", **fields}
        made = self.relay.post("/api/admin/accounts", admin, body)
        assert made.status in (200, 201), made.text
        self.relay.env(PROXY)
        return {**made.json["data"], "secret": body.get("api_key") or body.get("access_token")}

    def key(self, owner: Person, **fields: Any) -> str:
        made = self.relay.post("/api/api-keys", owner, {"name": f"key-{uuid.uuid4().hex[:6]}", **fields})
        assert made.status in (200, 201), made.text
        self.relay.env(PROXY)
        return made.json["data"]["key"]

    def admin_get(self, path: str, admin: Person) -> Any:
        answer = self.relay.get(path, admin)
        assert answer.status == 200, answer.text
        self.relay.env(PROXY)
        return answer.json["data"]

    # --- the usage queue -------------------------------------------------------------------------------------
    def queue_url(self) -> str:
        return self.env["RELAY_USAGE_QUEUE_URL"]

    def purge(self) -> None:
        """Drop what earlier tests left on the queue (PurgeQueue allows one call a minute)."""
        from suite import aws  # noqa: PLC0415

        while batch := self.messages():
            for message in batch:
                aws.client("sqs").delete_message(QueueUrl=self.queue_url(), ReceiptHandle=message["ReceiptHandle"])

    def messages(self, limit: int = 10) -> list[dict[str, Any]]:
        from suite import aws  # noqa: PLC0415

        return aws.client("sqs").receive_message(QueueUrl=self.queue_url(), MaxNumberOfMessages=limit,
                                                 AttributeNames=["All"]).get("Messages", [])

    def drain(self, *, keep: bool = False) -> list[dict[str, Any]]:
        """Every queued usage event through the usage worker (as Lambda's event source would); the messages.
        `keep`: leave them on the queue afterwards (a redelivery)."""
        from relay.handlers import usage_worker  # noqa: PLC0415
        from suite import aws  # noqa: PLC0415

        self.relay.env("relay.UsageWorkerFunction")
        sqs = aws.client("sqs")
        arn = sqs.get_queue_attributes(QueueUrl=self.queue_url(), AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        handled: list[dict[str, Any]] = []
        for _ in range(20):
            batch = self.messages()
            if not batch:
                break
            answer = usage_worker.handler({"Records": [lambda_record(m, arn) for m in batch]}, FakeLambdaContext())
            assert answer.get("batchItemFailures") == [], answer
            for message in batch:
                if keep:
                    sqs.change_message_visibility(QueueUrl=self.queue_url(), ReceiptHandle=message["ReceiptHandle"],
                                                  VisibilityTimeout=0)
                else:
                    sqs.delete_message(QueueUrl=self.queue_url(), ReceiptHandle=message["ReceiptHandle"])
            handled += batch
            if keep:
                break
        self.relay.env(PROXY)
        return handled
