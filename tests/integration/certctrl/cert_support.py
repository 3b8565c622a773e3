"""Helpers of the certctrl certificate tests: devices that keep their X25519 secret key (so they can open what
the server seals to them), the certificate jobs queue drained into CertWorkerFunction, and the opening of
deploy-materials exactly as the agent does it."""

from __future__ import annotations

import base64
import importlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import load_der_private_key
from nacl.public import PrivateKey, SealedBox

from suite import aws
from tests.integration.certctrl.support import Account, Registered, register_device
from tests.support.api_client import ApiClient
from tests.support.lambda_events import FakeLambdaContext

WORKER = "certctrl.CertWorkerFunction"
SWEEP = "certctrl.RenewalSweepFunction"


@dataclass
class Agent:
    """A registered device with its libsodium key pair."""

    registered: Registered
    secret: PrivateKey

    @property
    def device_id(self) -> int:
        return self.registered.device_id

    @property
    def public_id(self) -> str:
        return self.registered.public_id

    @property
    def headers(self) -> dict[str, str]:
        return self.registered.headers


def agent(client: ApiClient, account: Account) -> Agent:
    secret = PrivateKey.generate()
    dev_pk = base64.b64encode(bytes(secret.public_key)).decode()
    return Agent(register_device(client, account, dev_pk=dev_pk), secret)


def open_materials(materials: dict[str, Any], secret: PrivateKey) -> bytes:
    """What the agent does with deploy-materials: check the fingerprint, open the sealed data key, AES-256-GCM
    with the tag joined back; returns the private key's DER."""
    import hashlib  # noqa: PLC0415

    assert materials["wrap_alg"] == "x25519-v1"
    assert materials["enc_scheme"] == "aes256gcm"
    fingerprint = hashlib.blake2b(bytes(secret.public_key), digest_size=32).digest()
    assert base64.b64decode(materials["device_keyfp_b64"]) == fingerprint
    data_key = SealedBox(secret).decrypt(base64.b64decode(materials["enc_data_key_b64"]))
    tag = base64.b64decode(materials["privkey_tag_b64"])
    assert len(tag) == 16
    return AESGCM(data_key).decrypt(base64.b64decode(materials["privkey_nonce_b64"]),
                                    base64.b64decode(materials["enc_privkey_b64"]) + tag, None)


def key_matches(der: bytes, certificate_pem: str) -> bool:
    from cryptography import x509  # noqa: PLC0415
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat  # noqa: PLC0415

    key = load_der_private_key(der, password=None)
    cert = x509.load_pem_x509_certificate(certificate_pem.encode())
    return key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo) == \
        cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def queue_url(client: ApiClient) -> str:
    return client.stack.function(WORKER).environment["CERT_JOBS_QUEUE_URL"]


def purge(client: ApiClient) -> None:
    """Drop what other tests left in the queue (PurgeQueue allows one call a minute: delete instead)."""
    client.use_env(WORKER)
    sqs = aws.client("sqs")
    while True:
        found = sqs.receive_message(QueueUrl=queue_url(client), MaxNumberOfMessages=10).get("Messages", [])
        if not found:
            return
        for message in found:
            sqs.delete_message(QueueUrl=queue_url(client), ReceiptHandle=message["ReceiptHandle"])


def pending_jobs(client: ApiClient) -> list[dict[str, Any]]:
    """The messages waiting now (received and given back at once)."""
    client.use_env(WORKER)
    sqs = aws.client("sqs")
    found = sqs.receive_message(QueueUrl=queue_url(client), MaxNumberOfMessages=10, VisibilityTimeout=0)
    return [json.loads(m["Body"]) for m in found.get("Messages", [])]


def run_jobs(client: ApiClient, *, rounds: int = 50, until=None, after_round=None) -> list[dict[str, Any]]:
    """Receive the queued jobs and hand them to CertWorkerFunction's handler (as Lambda's SQS source does), round
    after round until the queue is empty or `until()` holds; `after_round()` runs after each round (a DNS mirror).
    Returns every message handled."""
    handled: list[dict[str, Any]] = []
    module = importlib.import_module("certctrl.handlers.cert_worker")
    for _ in range(rounds):
        client.use_env(WORKER)
        sqs = aws.client("sqs")
        answer = sqs.receive_message(QueueUrl=queue_url(client), MaxNumberOfMessages=5, WaitTimeSeconds=0)
        messages = answer.get("Messages", [])
        if not messages:
            if until is None or until():
                break
            continue
        records = [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                    "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {},
                    "md5OfBody": "", "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:::jobs",
                    "awsRegion": "us-east-1"} for m in messages]
        result = module.handler({"Records": records}, FakeLambdaContext(function_name="cert-worker"))
        failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        assert not failed, f"worker failed on {failed}"
        client.use_env(WORKER)
        for m in messages:
            aws.client("sqs").delete_message(QueueUrl=queue_url(client), ReceiptHandle=m["ReceiptHandle"])
            handled.append(json.loads(m["Body"]))
        if after_round is not None:
            after_round()
        if until is not None and until():
            break
    return handled


def sweep(client: ApiClient) -> dict[str, Any]:
    client.use_env(SWEEP)
    module = importlib.import_module("certctrl.handlers.renewal_sweep")
    return module.handler({"source": "aws.scheduler", "detail": {}}, FakeLambdaContext(function_name="sweep"))


def signals(client: ApiClient, device: Agent, cursor: str = "0-0") -> tuple[list[dict[str, Any]], str]:
    answer = client.get("/apiv1/devices/self/updates", query={"cursor": cursor, "limit": 100}, headers=device.headers)
    if answer.status == 204:
        return [], answer.headers["etag"].strip('"')
    assert answer.status == 200, answer.text
    return answer.json["data"]["signals"], answer.json["data"]["cursor"]
