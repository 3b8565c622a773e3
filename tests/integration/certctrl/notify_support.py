"""Helpers of the notification tests: verified channels through the real routes, and the two queue workers run
as Lambda would run them (SQS records from moto's queues, partial batch answers)."""

from __future__ import annotations

import json
import uuid

from certctrl.handlers import notify_fanout, notify_send
from devstack.sqs_pump import lambda_record
from suite import aws
from tests.integration.certctrl.support import Account, last_code, mails
from tests.support.api_client import ApiClient
from tests.support.lambda_events import FakeLambdaContext


def channels_path(account: Account) -> str:
    return f"/apiv1/users/{account.user_id}/notifications/channels"


def verified_email_channel(client: ApiClient, account: Account, address: str | None = None) -> dict:
    address = address or f"ops-{uuid.uuid4().hex[:10]}@example.com"
    made = client.post(channels_path(account), {"type": "email", "name": "ops", "address": address},
                       headers=account.headers)
    assert made.status == 201, made.text
    channel = made.json["data"]
    verified = client.post(f"{channels_path(account)}/{channel['id']}/verify-email",
                           {"code": last_code(client, address)}, headers=account.headers)
    assert verified.status == 200, verified.text
    assert verified.json["data"]["verified"] is True
    return verified.json["data"]


def subscribe(client: ApiClient, account: Account, event_key: str, channel: str) -> None:
    answer = client.put(f"/apiv1/users/{account.user_id}/notifications/subscriptions/{event_key}/{channel}", {},
                        headers=account.headers)
    assert answer.status == 200, answer.text


class Queues:
    """The notification queues of the moto stack, drained into the worker functions."""

    def __init__(self, client: ApiClient) -> None:
        self.client = client
        env = client.stack.function("certctrl.NotifyFanoutFunction").environment
        self.events_url, self.deliveries_url = env["NOTIFY_EVENTS_QUEUE_URL"], env["NOTIFY_DELIVERIES_QUEUE_URL"]

    def _drain(self, url: str) -> list[dict]:
        sqs = aws.client("sqs")
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        records = []
        while True:
            answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"],
                                         MessageAttributeNames=["All"], WaitTimeSeconds=0)
            messages = answer.get("Messages") or []
            if not messages:
                return records
            for message in messages:
                records.append(lambda_record(message, arn))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    def events(self) -> list[dict]:
        self.client.use_env("certctrl.NotifyFanoutFunction")
        return [json.loads(r["body"]) for r in self._drain(self.events_url)]

    def fan_out(self) -> dict:
        """Every queued event through NotifyFanoutFunction."""
        self.client.use_env("certctrl.NotifyFanoutFunction")
        records = self._drain(self.events_url)
        return notify_fanout.handler({"Records": records}, FakeLambdaContext()) if records else {}

    def deliveries(self) -> list[dict]:
        self.client.use_env("certctrl.NotifySendFunction")
        return self._drain(self.deliveries_url)

    def send(self, records: list[dict] | None = None) -> dict:
        """Queued deliveries (or the given records) through NotifySendFunction."""
        records = self.deliveries() if records is None else records
        self.client.use_env("certctrl.NotifySendFunction")
        return notify_send.handler({"Records": records}, FakeLambdaContext()) if records else {}

    def run(self) -> None:
        self.fan_out()
        self.send()


def inbox(client: ApiClient, address: str) -> list[dict]:
    return mails(client, address)
