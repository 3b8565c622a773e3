"""Helpers for the pipeline's integration tests: run a queue's consumer the way Lambda's event source does, build
KOOK webhook bodies, and set up accounts, bots and mappings through the API."""

from __future__ import annotations

import base64
import importlib
import json
import zlib
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from devstack.sqs_pump import lambda_record
from suite import aws
from tests.support.lambda_events import FakeLambdaContext, load_event

TG_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
WEBHOOK_TOKEN = "webhook-canary-token-abcdefghijklmnopqrstuvwxyz"
FEISHU_SECRET = "feishu-canary-secret-123"
VERIFY_TOKEN = "vt-1"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
QUEUES = ("INGEST", "DISCORD", "TELEGRAM", "FEISHU")
CONSUMERS = {"INGEST": "kook.handlers.routing.handler", "DISCORD": "kook.handlers.senders.discord",
             "TELEGRAM": "kook.handlers.senders.telegram", "FEISHU": "kook.handlers.senders.feishu"}


def queue_url(env: dict[str, str], name: str) -> str:
    return env[f"{name}_QUEUE_URL"]


def queue_arn(url: str) -> str:
    return aws.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def receive(url: str, limit: int = 10) -> list[dict[str, Any]]:
    return aws.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=limit, AttributeNames=["All"],
                                             MessageSystemAttributeNames=["All"],
                                             MessageAttributeNames=["All"]).get("Messages", [])


def peek(url: str) -> list[dict[str, Any]]:
    """Every message a queue holds, in order, without receiving it (read from moto's backend: a FIFO queue
    would hide the rest of a group while its first messages are in flight)."""
    from moto.sqs.models import sqs_backends  # noqa: PLC0415

    queue = sqs_backends["123456789012"]["us-east-1"].get_queue(url.rsplit("/", 1)[-1])
    return [{"MessageId": m.id, "Body": m.body, "Attributes": {"MessageGroupId": m.group_id,
                                                               "MessageDeduplicationId": m.deduplication_id}}
            for m in queue._messages]


def purge(url: str) -> None:
    aws.client("sqs").purge_queue(QueueUrl=url)


def handler(path: str) -> Any:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def live_socket(event_file: str, *, stage: str = "ws", connection_id: str = "conn-1", token: str | None = None,
                body: str | None = None) -> dict[str, Any]:
    """The live-log WebSocket function as API Gateway calls it for `ws://…/ws/<stage>` (`token` as `?token=`)."""
    event = load_event(f"kook/{event_file}")
    event["requestContext"].update(stage=stage, connectionId=connection_id)
    event.pop("queryStringParameters", None)
    if token is not None:
        event["queryStringParameters"] = {"token": token}
    if body is not None:
        event["body"] = body
    return handler("kook.handlers.live_socket.handler")(event, FakeLambdaContext())


def pushed(connection_id: str, *, take: bool = False) -> list[dict[str, Any]]:
    """The messages pushed to a connection (moto's @connections API keeps them for the session; `take` forgets
    them, so later tests do not see this connection)."""
    from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends  # noqa: PLC0415

    connections = apigatewaymanagementapi_backends["123456789012"]["us-east-1"].connections
    data = (connections.pop(connection_id) if take else connections[connection_id]).data.decode()
    return [json.loads(line) for line in data.replace("}{", "}\n{").splitlines()]


def consume(env: dict[str, str], name: str, *, batch: int | None = None, retry_now: bool = True) -> dict[str, Any]:
    """One batch of a queue through its consumer, with Lambda's rules: successes are deleted, failures stay (made
    visible again at once when `retry_now`, like `--sqs-retry-delay 0`). Returns the consumer's answer."""
    url = queue_url(env, name)
    messages = receive(url, batch or (10 if name == "INGEST" else 1))
    if not messages:
        return {"batchItemFailures": [], "records": 0}
    arn = queue_arn(url)
    answer = handler(CONSUMERS[name])({"Records": [lambda_record(m, arn) for m in messages]}, FakeLambdaContext())
    failed = {f["itemIdentifier"] for f in answer.get("batchItemFailures") or []}
    for message in messages:
        if message["MessageId"] in failed:
            if retry_now:
                aws.client("sqs").change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"],
                                                            VisibilityTimeout=0)
        else:
            aws.client("sqs").delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return {**answer, "records": len(messages)}


def drain(env: dict[str, str], *, rounds: int = 30) -> None:
    """Run every consumer until the queues are empty (or `rounds` passes made no progress)."""
    for _round in range(rounds):
        if not any(consume(env, name)["records"] for name in QUEUES):
            return


def encrypt(body: bytes, key: str) -> bytes:
    iv = b"abcdefghijklmnop"
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(key.encode().ljust(32, b"\0")), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(padder.update(body) + padder.finalize()) + encryptor.finalize()
    return json.dumps({"encrypt": base64.b64encode(iv + base64.b64encode(ciphertext)).decode()}).encode()


def webhook_body(event: dict[str, Any], *, encrypt_key: str | None = None) -> bytes:
    body = json.dumps(event, ensure_ascii=False).encode()
    return zlib.compress(encrypt(body, encrypt_key) if encrypt_key else body)


def channel_event(channel: str, msg_id: str, *, sn: int = 1, content: str = "你好 <世界> & **朋友**",
                  message_type: int = 9, author: str = "30000", verify_token: str = VERIFY_TOKEN,
                  extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"s": 0, "sn": sn, "d": {
        "channel_type": "GROUP", "type": message_type, "target_id": channel, "author_id": author, "content": content,
        "msg_id": msg_id, "msg_timestamp": 1795262400000 + sn, "nonce": "", "verify_token": verify_token,
        "extra": {"type": message_type, "guild_id": "600", "channel_name": "公告",
                  "author": {"id": author, "username": "sender", "nickname": "发送者",
                             "avatar": "https://img.kookapp.cn/avatars/a.png"}, **(extra or {})}}}


# ------------------------------------------------------------------------------------------------ API set-up

def add_account(api: Any, email: str, **fields: str) -> int:
    answer = api.post("/api/accounts", {"email": email, **fields})
    assert answer.status == 200, answer.body
    account_id = answer.body["account_id"]
    assert api.post(f"/api/accounts/{account_id}/start").status == 200
    return account_id


def add_bot(api: Any, platform: str, config: dict[str, Any], name: str = "bot") -> int:
    answer = api.post("/api/bots", {"platform": platform, "name": name, "config": config})
    assert answer.status == 200, answer.body
    return answer.body["bot_id"]


def add_mapping(api: Any, channel: str, bot_id: int, *, target_channel: str = "", enabled: int = 1) -> int:
    answer = api.post("/api/mappings", {"kook_server_id": "600", "kook_channel_id": channel,
                                        "kook_channel_name": "公告", "target_bot_id": bot_id,
                                        "target_channel_id": target_channel})
    assert answer.status == 200, answer.body
    if not enabled:
        api.put(f"/api/mappings/{answer.body['mapping_id']}", {"enabled": 0})
    return answer.body["mapping_id"]


def three_targets(api: Any, fake: Any, channel: str = "1001") -> dict[str, int]:
    bots = {
        "discord": add_bot(api, "discord", {"webhook_url": f"{fake.url}/api/webhooks/123456789012345678/"
                                                           f"{WEBHOOK_TOKEN}"}),
        "telegram": add_bot(api, "telegram", {"bot_token": TG_TOKEN, "chat_id": "-1001"}),
        "feishu": add_bot(api, "feishu", {"app_id": "cli_a1b2c3", "app_secret": FEISHU_SECRET, "chat_id": "oc_1"}),
    }
    for bot_id in bots.values():
        add_mapping(api, channel, bot_id)
    return bots


def script_targets(fake: Any) -> None:
    """Every platform answers like itself (what tests override comes first, so add these last)."""
    fake.respond(json={"code": 0, "data": {"id": "bot-self", "username": "转发机器人", "bot": True}},
                 path="/api/v3/user/me")
    fake.respond(status=200, body=PNG, headers={"Content-Type": "image/png"}, path="/assets/")
    fake.respond(json={"id": "900000000000000001"}, path="/api/webhooks/")
    fake.respond(json={"ok": True, "result": {"message_id": 1}}, path="/bot")
    fake.respond(json={"code": 0, "tenant_access_token": "t-token", "expire": 7200},
                 path="/open-apis/auth/v3/tenant_access_token/internal")
    fake.respond(json={"code": 0, "data": {"image_key": "img_key_1"}}, path="/open-apis/im/v1/images")
    fake.respond(json={"code": 0, "data": {"file_key": "file_key_1"}}, path="/open-apis/im/v1/files")
    fake.respond(json={"code": 0, "data": {"message_id": "om_1"}}, path="/open-apis/im/v1/messages")
