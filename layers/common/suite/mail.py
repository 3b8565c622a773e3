"""Sending e-mail: one interface, SES in AWS, a readable outbox table for `make dev` and tests.

    mailer = mail.mailer_for(transport="outbox", sender="no-reply@example.com", outbox_table="...")
    mailer.send(mail.EmailMessage(to="a@example.com", subject="Your code", text="123456"))

`SesMailer` sends through SESv2 (`SendEmail`, simple content); `OutboxMailer` writes each message as an item
`{pk: <recipient, lower case>, sk: "<epoch ms>#<id>", sender, subject, text, html?, sent_at, expires_at}` in a
table whose keys are `pk`/`sk` (strings) with TTL on `expires_at`, so a developer reads a user's mail with one
Query and tests read it the same way (`outbox_messages`). Both are AWS calls: services use them from `store/`.
Message bodies hold codes and links meant for one person: nothing here logs them.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

from suite import aws

OUTBOX_RETENTION_SECONDS = 7 * 24 * 3600
TRANSPORTS = ("ses", "outbox")


@dataclass(frozen=True)
class EmailMessage:
    to: str
    subject: str
    text: str
    html: str | None = None
    tags: dict[str, str] = field(default_factory=dict)  # SES message tags (e.g. {"kind": "activation"})

    def __repr__(self) -> str:  # the body carries codes: keep it out of logs and tracebacks
        return f"EmailMessage(to={self.to!r}, subject={self.subject!r})"


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> str:
        """Send one message; returns the transport's message id."""
        ...


class SesMailer:
    def __init__(self, sender: str, *, configuration_set: str | None = None) -> None:
        self.sender = sender
        self.configuration_set = configuration_set

    def send(self, message: EmailMessage) -> str:
        body: dict[str, Any] = {"Text": {"Data": message.text, "Charset": "UTF-8"}}
        if message.html:
            body["Html"] = {"Data": message.html, "Charset": "UTF-8"}
        request: dict[str, Any] = {
            "FromEmailAddress": self.sender,
            "Destination": {"ToAddresses": [message.to]},
            "Content": {"Simple": {"Subject": {"Data": message.subject, "Charset": "UTF-8"}, "Body": body}},
        }
        if message.tags:
            request["EmailTags"] = [{"Name": k, "Value": v} for k, v in message.tags.items()]
        if self.configuration_set:
            request["ConfigurationSetName"] = self.configuration_set
        return aws.client("sesv2").send_email(**request).get("MessageId", "")


class OutboxMailer:
    def __init__(self, sender: str, table: str, *, clock: Any = time.time) -> None:
        self.sender = sender
        self.table = table
        self._clock = clock

    def send(self, message: EmailMessage) -> str:
        now = self._clock()
        message_id = uuid.uuid4().hex
        item: dict[str, Any] = {
            "pk": {"S": message.to.strip().lower()},
            "sk": {"S": f"{int(now * 1000):016d}#{message_id}"},
            "sender": {"S": self.sender},
            "subject": {"S": message.subject},
            "text": {"S": message.text},
            "sent_at": {"N": str(int(now))},
            "expires_at": {"N": str(int(now) + OUTBOX_RETENTION_SECONDS)},
        }
        if message.html:
            item["html"] = {"S": message.html}
        for name, value in message.tags.items():
            item[f"tag_{name}"] = {"S": value}
        aws.client("dynamodb").put_item(TableName=self.table, Item=item)
        return message_id


def outbox_messages(table: str, recipient: str) -> list[dict[str, Any]]:
    """Every message in the outbox for one recipient, oldest first: {subject, text, html?, sender, sent_at}."""
    client = aws.client("dynamodb")
    request: dict[str, Any] = {"TableName": table, "KeyConditionExpression": "pk = :pk",
                               "ExpressionAttributeValues": {":pk": {"S": recipient.strip().lower()}},
                               "ConsistentRead": True}
    found: list[dict[str, Any]] = []
    while True:
        answer = client.query(**request)
        for item in answer.get("Items", []):
            found.append({name: next(iter(value.values())) for name, value in item.items()})
        if not answer.get("LastEvaluatedKey"):
            return found
        request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


_mailers: dict[tuple[str, str, str | None], Mailer] = {}


def mailer_for(*, transport: str, sender: str, outbox_table: str | None = None) -> Mailer:
    """The mailer of one configuration, kept for the execution environment."""
    if transport not in TRANSPORTS:
        raise ValueError(f"mail transport must be one of {TRANSPORTS}, not {transport!r}")
    if transport == "outbox" and not outbox_table:
        raise ValueError("the outbox transport needs its table")
    key = (transport, sender, outbox_table)
    found = _mailers.get(key)
    if found is None:
        made: Mailer = SesMailer(sender) if transport == "ses" else OutboxMailer(sender, outbox_table or "")
        found = _mailers.setdefault(key, made)
    return found
