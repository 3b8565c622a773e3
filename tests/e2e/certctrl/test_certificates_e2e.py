"""Certificates end to end on the local stack started with a local ACME CA (`python -m devstack up --with-pebble`,
what `make dev PEBBLE=1` runs): a person creates an ACME account (registered at pebble) and certificates; the
issuance runs through the state machine on the stack's queue (CertWorkerFunction), pebble validating HTTP-01
against the stack's own `/.well-known/acme-challenge/{token}` route and DNS-01 against the TXT records the stack
wrote in Route 53 behind the user's CNAME delegation; scripted agents (agent.py, the original agent's fetch and
decryption rules) receive `cert.updated`, open their deploy-materials with PyNaCl and get the certificate's key;
the renewal sweep (fired on the stack's schedule) renews, and both agents open the renewed key after the
re-wrap."""

from __future__ import annotations

import json
import time
import uuid

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_der_private_key

from tests.e2e.certctrl.agent import ScriptedAgent
from tests.e2e.certctrl.test_certctrl_e2e import Person
from tests.integration.certctrl.pebble_harness import PEBBLE, SKIP_REASON
from tests.support.devstack_process import DevStackProcess, wait_until
from tests.support.lambda_events import REPO_ROOT

pytestmark = pytest.mark.skipif(PEBBLE is None, reason=SKIP_REASON)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    process = DevStackProcess(
        REPO_ROOT / "template.yaml", tmp_path_factory.mktemp("certctrl-pebble"), "--only", "certctrl",
        "--no-schedules", "--with-pebble", "--env", "PASSWORD_HASH_PROFILE=fast", "--sqs-retry-delay", "1",
    ).start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def person(stack):
    someone = Person(stack)
    someone.sign_up()
    return someone


def onboard(stack, person, hostname: str) -> tuple[ScriptedAgent, int]:
    agent = ScriptedAgent(stack.url("certctrl"), hostname=hostname)
    start = agent.device_start()
    person.approve(start["user_code"])
    device = agent.register(agent.poll_until_terminal(wait=lambda _s: None))["device"]
    return agent, device["id"]


def matches(der: bytes, certificate_pem: str) -> bool:
    key = load_der_private_key(der, password=None)
    cert = x509.load_pem_x509_certificate(certificate_pem.encode())
    return key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo) == \
        cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def account(person) -> dict:
    answer = person.call("POST", f"/apiv1/users/{person.user_id}/acme-accounts",
                         json={"name": "local pebble", "email": "ops@example.com", "provider": "pebble"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["data"]["kid"]
    return answer.json()["data"]


def certificate(person, cert_id: int) -> dict:
    answer = person.call("GET", f"/apiv1/users/{person.user_id}/certificates/{cert_id}", params={"detail": "most"})
    return answer.json()["data"]


def issued(person, cert_id: int, *, not_serial: str | None = None) -> dict:
    def done():
        record = certificate(person, cert_id)
        if record["status"] == "FAILED":
            history = person.call("GET", f"/apiv1/users/{person.user_id}/certificates/{cert_id}/issues").json()
            raise AssertionError(f"issue failed: {history['data'][0]['error_message']}")
        return record if record["status"] == "ISSUED" and record["serial_number"] != not_serial \
            and record["current_issue_id"] is None else None

    return wait_until(done, timeout=90, interval=0.5, message=f"certificate {cert_id} issued")


def test_http01_issue_then_renewal_reach_two_agents(stack, person):
    first, first_id = onboard(stack, person, "web-1")
    acct = account(person)
    name = f"web-{uuid.uuid4().hex[:8]}.example.com"
    created = person.call("POST", f"/apiv1/users/{person.user_id}/acme-accounts/{acct['id']}/certificates",
                          json={"domain_name": name, "sans": [f"www.{name}"], "challenge_type": "http-01"})
    assert created.status_code == 201, created.text
    cert_id = created.json()["data"]["id"]
    pending = person.call("POST", f"/apiv1/users/{person.user_id}/devices/{first_id}/certificates",
                          json={"cert_id": cert_id})
    assert pending.status_code == 202  # nothing issued yet: sealed when it is
    started = person.call("POST", f"/apiv1/users/{person.user_id}/certificates/{cert_id}/issues", json={})
    assert started.status_code == 204, started.text
    record = issued(person, cert_id)
    assert sorted(record["sans"]) == sorted([name, f"www.{name}"])
    history = person.call("GET", f"/apiv1/users/{person.user_id}/certificates/{cert_id}/issues").json()["data"]
    assert history[0]["status"] == "SUCCESS"
    assert history[0]["acme_order_id"]

    assert first.poll_once() == 200
    updates = [s for s in first.applied if s["type"] == "cert.updated" and s["ref"]["cert_id"] == cert_id]
    assert updates[-1]["ref"]["wrap_ready"] is True
    assert updates[-1]["ref"]["serial"] == record["serial_number"]
    detail, key = first.certificate(cert_id)
    assert matches(key, detail["certificate_pem"])
    assert detail["fullchain_pem"].count("BEGIN CERTIFICATE") >= 2

    second, second_id = onboard(stack, person, "web-2")
    sealed = person.call("POST", f"/apiv1/users/{person.user_id}/devices/{second_id}/certificates",
                         json={"cert_id": cert_id})
    assert sealed.status_code == 200
    assert sealed.json()["data"]["wrap_ready"] is True
    assert matches(second.certificate(cert_id)[1], detail["certificate_pem"])

    # time passes: the renewal is due (renew_after moved to the past, as two thirds of the lifetime would), the
    # stack's schedule fires the sweep, the renewal runs through the state machine, both agents are re-wrapped
    ddb = stack.aws("dynamodb")
    table = next(name for name in ddb.list_tables()["TableNames"] if "CertificatesTable" in name)
    ddb.update_item(TableName=table, Key={"pk": {"S": f"USER#{person.user_id}"}, "sk": {"S": f"CERT#{cert_id:012d}"}},
                    UpdateExpression="SET renew_after = :past",
                    ExpressionAttributeValues={":past": {"N": str(int(time.time()) - 60)}})
    fired = stack.fire("certctrl.RenewalSweepFunction.Sweep")
    assert fired["error"] is None
    assert cert_id in fired["result"]["queued"]
    assert cert_id not in stack.fire("certctrl.RenewalSweepFunction.Sweep")["result"]["queued"]  # once per window
    renewed = issued(person, cert_id, not_serial=record["serial_number"])
    assert renewed["key_generation"] == record["key_generation"] + 1
    for agent in (first, second):
        assert agent.poll_once() == 200
        detail, key = agent.certificate(cert_id)
        assert detail["serial_number"] == renewed["serial_number"]
        assert matches(key, detail["certificate_pem"])
    kinds = [h["kind"] for h in person.call("GET", f"/apiv1/users/{person.user_id}/certificates/{cert_id}/issues")
             .json()["data"]]
    assert kinds == ["renew", "issue"]


def test_dns01_through_route53_behind_a_cname_delegation(stack, person):
    agent, device_id = onboard(stack, person, "dns-1")
    acct = account(person)
    base = f"d{uuid.uuid4().hex[:8]}.example.net"
    created = person.call("POST", f"/apiv1/users/{person.user_id}/certificates",
                          json={"domain_name": base, "sans": [f"*.{base}"], "acct_id": acct["id"],
                                "challenge_type": "dns-01"}).json()["data"]
    [delegation] = created["dns_delegations"]
    # the user's CNAME, in the stand-in for the public DNS (pebble-challtestsrv)
    mock_dns = stack.status["pebble"]["challtestsrv_url"]
    requests.post(f"{mock_dns}/set-cname", timeout=10, data=json.dumps(
        {"host": delegation["name"] + ".", "target": delegation["value"] + "."})).raise_for_status()
    person.call("POST", f"/apiv1/users/{person.user_id}/devices/{device_id}/certificates",
                json={"cert_id": created["id"]})
    assert person.call("POST", f"/apiv1/users/{person.user_id}/certificates/{created['id']}/issues",
                       json={}).status_code == 204
    record = issued(person, created["id"])
    leaf = x509.load_pem_x509_certificate(record["certificate_pem"].encode())
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
        x509.DNSName)
    assert sorted(names) == sorted([base, f"*.{base}"])
    detail, key = agent.certificate(created["id"])
    assert matches(key, detail["certificate_pem"])
