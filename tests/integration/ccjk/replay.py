"""The real ccjk client's requests, replayed on the moto stack (issue 18; docs/ccjk-client.md says what each
request is and which client module sends it).

`Replay` wraps `tests.support.api_client.ApiClient`: one method per request the client sends, with the client's
exact method, path, headers and body. A path that no template route serves answers what API Gateway answers
(404 `{"message":"Not Found"}`) instead of raising, so a flow that reaches an unbuilt route fails on its
assertion (xfail while issue 18 is open), never with an error.

Interfaces these tests ASSUME (docs/ccjk-client.md, "Contracts the replay tests assume"); the implementation
must provide them or change them here in the same commit:

- OUTBOX: with `MAIL_TRANSPORT=outbox` (the template's default), every mail is an item of suite.mail's outbox
  table, named by `MAIL_OUTBOX_TABLE` in the environment of the function serving `/auth/login`, read per recipient
  with `suite.mail.outbox_messages`; the 6-digit code is the only 6-digit number in `text`. (The research
  assumed JSON files in a directory; the layer's outbox, built for certctrl, is one Query per address, works the
  same in moto and in the local stack, and needs no shared disk between the stack and its reader.)
- CALLBACK SECRETS: one Secrets Manager secret named by `REPLY_CALLBACK_SECRET_ARN` (in the environment of the
  function serving `/reply/<platform>`), JSON `{"feishu": {"verificationToken", "encryptKey"},
  "dingtalk": {"appSecret"}, "wecom": {"token", "encodingAesKey", "corpId"}}`.
- ADMIN: `Authorization: Basic` checked against the secret named by `ADMIN_CREDENTIALS_SECRET_ARN`,
  JSON `{"username", "password"}`.
- LOG SOCKET: a WebSocket API of the ccjk stack whose local path (Metadata.LocalDev.Paths) is
  `/api/control/logs`; frames are routed on `type` (or all go to `$default`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib
import json
import os
import re
import struct
import time
import uuid
from typing import Any

import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from devstack.fake_provider import FakeProvider
from devstack.sqs_pump import lambda_record
from devstack.template import FunctionSpec, Suite
from suite import aws, mail
from tests.support.api_client import Answer, ApiClient
from tests.support.lambda_events import FakeLambdaContext

SERVICE = "ccjk"
FEISHU_HOOK = "/open-apis/bot/v2/hook/"
UNSERVED = '{"message":"Not Found"}'  # what API Gateway itself answers for a path no route serves

# -- the values the tests put into the secrets they assume ----------------------------------------------------------
WECOM_AES_KEY = base64.b64encode(hashlib.sha256(b"ccjk replay wecom key").digest()).decode().rstrip("=")
CALLBACK_SECRETS: dict[str, dict[str, str]] = {
    "feishu": {"verificationToken": "vt-replay-feishu", "encryptKey": "ek-replay-feishu"},
    "dingtalk": {"appSecret": "replay-dingtalk-app-secret"},
    "wecom": {"token": "replay-wecom-token", "encodingAesKey": WECOM_AES_KEY, "corpId": "ww_replay_corp"},
}
ADMIN_CREDENTIALS = {"username": "replay-admin", "password": "replay-admin-password-1"}


# ------------------------------------------------------------------------------------------------ platforms
# Built from the platforms' public documentation (docs/ccjk-client.md, "Inbound platform callbacks"); every
# payload here can be built offline, with the same secrets the server is given.

def feishu_encrypt(plain: str, encrypt_key: str) -> str:
    """Feishu/Lark event encryption: AES-256-CBC, key = SHA-256(encrypt key), random IV prefixed, PKCS#7,
    base64(iv + ciphertext)."""
    key = hashlib.sha256(encrypt_key.encode()).digest()
    iv = os.urandom(16)
    padder = padding.PKCS7(128).padder()
    data = padder.update(plain.encode()) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return base64.b64encode(iv + encryptor.update(data) + encryptor.finalize()).decode()


def feishu_decrypt(encrypted: str, encrypt_key: str) -> str:
    raw = base64.b64decode(encrypted)
    key = hashlib.sha256(encrypt_key.encode()).digest()
    decryptor = Cipher(algorithms.AES(key), modes.CBC(raw[:16])).decryptor()
    data = decryptor.update(raw[16:]) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return (unpadder.update(data) + unpadder.finalize()).decode()


def feishu_signature(timestamp: str, nonce: str, encrypt_key: str, body: bytes) -> str:
    """`X-Lark-Signature`: hex SHA-256 of timestamp + nonce + encrypt key + the raw body."""
    return hashlib.sha256((timestamp + nonce + encrypt_key).encode() + body).hexdigest()


def feishu_card_action(value: dict[str, Any], *, token: str, open_id: str = "ou_replay_user") -> dict[str, Any]:
    """A card interaction callback (`card.action.trigger`, schema 2.0) for a button whose `value` is `value`."""
    return {
        "schema": "2.0",
        "header": {"event_id": uuid.uuid4().hex, "token": token, "create_time": str(int(time.time() * 1000)),
                   "event_type": "card.action.trigger", "tenant_key": "tenant_replay", "app_id": "cli_replay"},
        "event": {
            "operator": {"tenant_key": "tenant_replay", "user_id": "u_replay", "open_id": open_id,
                         "union_id": "on_replay"},
            "token": "c-replay-update-token",
            "action": {"value": value, "tag": "button"},
            "host": "im_message",
            "context": {"open_message_id": "om_replay", "open_chat_id": "oc_replay"},
        },
    }


def feishu_request(payload: dict[str, Any], *, encrypt_key: str, signed: bool = True,
                   signature: str | None = None) -> tuple[bytes, dict[str, str]]:
    """The body and headers Feishu sends for `payload` with an Encrypt Key configured."""
    body = json.dumps({"encrypt": feishu_encrypt(json.dumps(payload), encrypt_key)}).encode()
    headers = {"content-type": "application/json; charset=utf-8"}
    if signed:
        timestamp, nonce = str(int(time.time())), uuid.uuid4().hex[:16]
        headers |= {"X-Lark-Request-Timestamp": timestamp, "X-Lark-Request-Nonce": nonce,
                    "X-Lark-Signature": signature or feishu_signature(timestamp, nonce, encrypt_key, body)}
    return body, headers


def dingtalk_sign(timestamp_ms: str, app_secret: str) -> str:
    """DingTalk robot callback `sign` header: base64(HMAC-SHA256(key = app secret, msg = timestamp + "\\n" +
    app secret)); `timestamp` is in milliseconds and must be within one hour of now."""
    digest = hmac.new(app_secret.encode(), f"{timestamp_ms}\n{app_secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def dingtalk_message(text: str, *, session_webhook: str) -> dict[str, Any]:
    """A robot message callback (user @-mentions or messages the app robot)."""
    now = int(time.time() * 1000)
    return {"msgtype": "text", "text": {"content": text}, "msgId": f"msg{uuid.uuid4().hex[:12]}", "createAt": now,
            "conversationType": "2", "conversationId": "cid_replay", "conversationTitle": "ccjk replay",
            "senderId": "$:LWCP_v1:$replay", "senderNick": "Replay", "senderStaffId": "staff_replay",
            "senderCorpId": "ding_corp_replay", "chatbotUserId": "$:LWCP_v1:$bot", "chatbotCorpId": "ding_corp_replay",
            "robotCode": "ding_robot_replay", "isAdmin": False, "isInAtList": True,
            "sessionWebhook": session_webhook, "sessionWebhookExpiredTime": now + 3_600_000}


def wecom_encrypt(message: str, encoding_aes_key: str, receive_id: str) -> str:
    """WeCom callback encryption: AES-256-CBC, key = base64decode(EncodingAESKey + "="), IV = key[:16],
    plaintext = 16 random bytes + 4-byte big-endian length + message + receive id, PKCS#7 padded to 32 bytes."""
    key = base64.b64decode(encoding_aes_key + "=")
    data = message.encode()
    raw = os.urandom(16) + struct.pack(">I", len(data)) + data + receive_id.encode()
    pad = 32 - len(raw) % 32
    raw += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(raw) + encryptor.finalize()).decode()


def wecom_decrypt(encrypted: str, encoding_aes_key: str) -> tuple[str, str]:
    """(message, receive id)."""
    key = base64.b64decode(encoding_aes_key + "=")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    raw = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
    raw = raw[:-raw[-1]]
    size = struct.unpack(">I", raw[16:20])[0]
    return raw[20:20 + size].decode(), raw[20 + size:].decode()


def wecom_signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    """`msg_signature`: hex SHA-1 of the four strings sorted and concatenated."""
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypted])).encode()).hexdigest()  # noqa: S324


def wecom_text_xml(content: str, *, corp_id: str, user: str = "replay_user", agent_id: str = "1000002") -> str:
    now = int(time.time())
    return (f"<xml><ToUserName><![CDATA[{corp_id}]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
            f"<CreateTime>{now}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{now}{os.getpid()}</MsgId>"
            f"<AgentID>{agent_id}</AgentID></xml>")


def wecom_envelope(encrypted: str, *, corp_id: str, agent_id: str = "1000002") -> str:
    return (f"<xml><ToUserName><![CDATA[{corp_id}]]></ToUserName><AgentID><![CDATA[{agent_id}]]></AgentID>"
            f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>")


# ------------------------------------------------------------------------------------------------ the replay

class Replay:
    """The client's requests, in the client's words (docs/ccjk-client.md names the module behind each)."""

    def __init__(self, api: ApiClient, robots: dict[str, FakeProvider]) -> None:
        self.api = api
        self.robots = robots

    # -- transport ----------------------------------------------------------------------------------------------
    def call(self, method: str, path: str, body: Any = None, *, headers: dict[str, str] | None = None,
             query: dict[str, Any] | str = "", raw_body: bytes | None = None) -> Answer:
        try:
            return self.api.request(method, path, body, headers=headers, query=query, raw_body=raw_body)
        except AssertionError as exc:
            if "route serves" not in str(exc):
                raise
            return Answer(404, {"content-type": "application/json"}, UNSERVED, function="(no route)")

    @staticmethod
    def device(token: str) -> dict[str, str]:
        return {"X-Device-Token": token}

    @staticmethod
    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    # -- environment --------------------------------------------------------------------------------------------
    @property
    def functions(self) -> list[FunctionSpec]:
        return self.api.stack.stack(SERVICE).functions()

    def env_value(self, name: str) -> str:
        """A variable of any ccjk function's template environment (the assumed contracts name them)."""
        for function in self.functions:
            if name in function.environment:
                return function.environment[name]
        pytest.fail(f"no ccjk function has {name} in its environment (assumed contract, docs/ccjk-client.md)")

    def put_secret(self, env_name: str, value: dict[str, Any]) -> None:
        aws.client("secretsmanager").put_secret_value(SecretId=self.env_value(env_name),
                                                      SecretString=json.dumps(value))

    def callback_secrets(self) -> dict[str, dict[str, str]]:
        self.put_secret("REPLY_CALLBACK_SECRET_ARN", CALLBACK_SECRETS)
        return CALLBACK_SECRETS

    def admin_headers(self) -> dict[str, str]:
        self.put_secret("ADMIN_CREDENTIALS_SECRET_ARN", ADMIN_CREDENTIALS)
        pair = f"{ADMIN_CREDENTIALS['username']}:{ADMIN_CREDENTIALS['password']}".encode()
        return {"Authorization": f"Basic {base64.b64encode(pair).decode()}"}

    # -- the local mail outbox (assumed contract) ----------------------------------------------------------------
    def mails_to(self, email: str) -> list[dict[str, Any]]:
        """Every mail to `email` in the local outbox, oldest first."""
        assert self.env_value("MAIL_TRANSPORT") == "outbox"
        return mail.outbox_messages(self.env_value("MAIL_OUTBOX_TABLE"), email)

    def login_code(self, email: str) -> str:
        """The 6-digit code of the newest mail to `email`."""
        mails = self.mails_to(email)
        assert mails, f"no mail to {email} in the outbox"
        codes = re.findall(r"(?<!\d)\d{6}(?!\d)", mails[-1].get("text", ""))
        assert len(set(codes)) == 1, f"expected one 6-digit code in the mail, found {codes}"
        return codes[0]

    # -- sign-in (src/cloud-api/auth.ts) ----------------------------------------------------------------------
    def password_user(self, email: str, password: str = "correct horse battery staple") -> str:  # noqa: S107
        """A user signed in the way the seed document's clients do (password login; served today): a JWT."""
        registered = self.call("POST", "/auth/register", {"email": email, "password": password, "name": "replay"})
        assert registered.status == 201, registered.text
        login = self.call("POST", "/auth/login", {"email": email, "password": password})
        assert login.status == 200, login.text
        return login.json["data"]["token"]

    # -- binding (src/cloud-api/bind.ts, src/services/cloud-notification.ts) --------------------------------------
    def bind_code(self, session: str) -> str:
        answer = self.call("POST", "/bind/generate", headers=self.bearer(session))
        assert answer.status in (200, 201), answer.text
        return answer.json["data"]["code"]

    def bound_device(self, session: str, name: str = "replay-laptop") -> tuple[str, str]:
        """(deviceId, deviceToken) of a device bound with the typed client's body."""
        used = self.call("POST", "/bind/use", {"code": self.bind_code(session), "device": {
            "name": name, "platform": "darwin", "hostname": f"{name}.local", "version": "9.4.13"}})
        assert used.status == 200, used.text
        return used.json["data"]["deviceId"], used.json["data"]["deviceToken"]

    def feishu_channel(self, token: str, hook: str | None = None) -> str:
        """Configure the device's Feishu robot (the fake) the way the typed client does; returns the hook id."""
        hook = hook or uuid.uuid4().hex
        answer = self.call("PUT", "/device/channels", {"channels": [{
            "type": "feishu", "enabled": True,
            "config": {"webhook": f"{self.robots['feishu'].url}{FEISHU_HOOK}{hook}", "secret": "replay-feishu-sign"}}]},
            headers=self.device(token))
        assert answer.status == 200, answer.text
        return hook

    def robot_requests(self, robot: str, hook: str) -> list[Any]:
        """What one robot webhook (one device's channel) received."""
        return [r for r in self.robots[robot].requests if hook in r.target]

    # -- the notify pipeline -------------------------------------------------------------------------------------
    def _queues(self) -> list[tuple[FunctionSpec, Any, str]]:
        sqs = aws.client("sqs")
        return [(function, source, sqs.get_queue_url(QueueName=source.queue_name)["QueueUrl"])
                for function in self.functions for source in function.queues]

    def clear_queues(self) -> None:
        """Delete every message waiting on the ccjk queues (PurgeQueue is allowed once a minute only)."""
        sqs = aws.client("sqs")
        for _function, _source, url in self._queues():
            while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
                for message in messages:
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    def drain_queues(self, rounds: int = 20) -> int:
        """Run every ccjk SQS consumer over its queue until the queues are empty, as the event source would."""
        sqs = aws.client("sqs")
        invocations = 0
        for _ in range(rounds):
            busy = False
            for function, source, url in self._queues():
                messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"],
                                               MessageSystemAttributeNames=["All"]).get("Messages", [])
                if not messages:
                    continue
                busy = True
                invocations += 1
                self.api.use_env(function)
                result = _handler(function)({"Records": [lambda_record(m, source.queue_arn) for m in messages]},
                                            FakeLambdaContext(function_name=function.name)) or {}
                failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
                for message in messages:
                    if message["MessageId"] in failed:
                        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"],
                                                      VisibilityTimeout=0)
                    else:
                        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            if not busy:
                return invocations
        return invocations


def _handler(function: FunctionSpec) -> Any:
    module, name = function.handler.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


# ------------------------------------------------------------------------------------------------ log socket

class LogSocket:
    """One WebSocket connection to the control log socket, as the function sees it (events shaped like the
    local stack's gateway builds them); pushes are read from moto's @connections backend."""

    def __init__(self, replay: Replay, suite: Suite) -> None:
        apis = [a for a in suite.stack(SERVICE).websocket_apis() if any(
            p.rstrip("/").startswith("/api/control/logs") for p in a.paths)]
        if not apis:
            pytest.fail("the ccjk stack has no WebSocket API on /api/control/logs (Metadata.LocalDev.Paths)")
        self.api = apis[0]
        self.stage = next(s for p, s in self.api.paths.items() if p.rstrip("/").startswith("/api/control/logs"))
        self.replay = replay
        self.connection_id = base64.b64encode(os.urandom(9)).decode().replace("/", "_").replace("+", "-")
        self.field = self.api.selection_expression.removeprefix("$request.body.")

    def _invoke(self, route_key: str, event_type: str, *, query: dict[str, str] | None = None,
                body: str | None = None) -> dict[str, Any]:
        route = self.api.routes.get(route_key) or self.api.routes.get("$default")
        assert route is not None, f"no {route_key} route on the log socket"
        function = self.replay.api.stack.function(f"{SERVICE}.{route.function}")
        now = time.time()
        context = {"routeKey": route_key, "eventType": event_type, "messageDirection": "IN", "stage": self.stage,
                   "connectedAt": int(now * 1000), "requestTimeEpoch": int(now * 1000),
                   "identity": {"sourceIp": "127.0.0.1"}, "requestId": uuid.uuid4().hex,
                   "domainName": f"{self.api.api_id}.execute-api.us-east-1.amazonaws.com",
                   "connectionId": self.connection_id, "apiId": self.api.api_id}
        event: dict[str, Any] = {"requestContext": context, "isBase64Encoded": False}
        if query:
            event["queryStringParameters"] = query
        if body is not None:
            event["body"] = body
        self.replay.api.use_env(function)
        return _handler(function)(event, FakeLambdaContext(function_name=function.name)) or {}

    def connect(self, token: str, device_id: str | None = None) -> int:
        query = {"token": token} | ({"deviceId": device_id} if device_id else {})
        return int(self._invoke("$connect", "CONNECT", query=query).get("statusCode", 200))

    def send(self, frame: dict[str, Any]) -> list[dict[str, Any]]:
        """Send a frame; the frames that came back, as the route response or pushed to this connection."""
        before = len(self.pushed())
        key = str(frame.get(self.field, "$default"))
        answer = self._invoke(key if key in self.api.routes else "$default", "MESSAGE", body=json.dumps(frame))
        frames = self.pushed()[before:]
        if answer.get("body"):
            frames.insert(0, json.loads(answer["body"]))
        return frames

    def pushed(self) -> list[dict[str, Any]]:
        from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends  # noqa: PLC0415

        connection = apigatewaymanagementapi_backends["123456789012"]["us-east-1"].connections.get(self.connection_id)
        data = connection.data.decode() if connection else ""
        return [json.loads(line) for line in data.replace("}{", "}\n{").splitlines() if line.strip()]
