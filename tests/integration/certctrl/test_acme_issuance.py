"""ACME issuance through the routes and the queue, against a real ACME server (pebble with real validation,
tests/integration/certctrl/pebble_harness.py): an account registered by `POST .../acme-accounts`, certificates
issued by `POST .../issues` and CertWorkerFunction handling the `issue.advance` messages (the state machine on
DynamoDB), HTTP-01 answered by our `/.well-known/acme-challenge/{token}` route (pebble's validator reaches it),
DNS-01 by TXT records in our Route 53 zone behind the user's CNAME delegation, a renewal queued by the sweep once
per window, a failed validation, and the devices decrypting their key after each issuance."""

from __future__ import annotations

import importlib
import json
import uuid

import pytest

from certctrl import clock
from suite import aws
from tests.integration.certctrl.cert_support import (
    agent,
    key_matches,
    open_materials,
    pending_jobs,
    purge,
    run_jobs,
    signals,
    sweep,
)
from tests.integration.certctrl.conftest import fresh_address
from tests.integration.certctrl.pebble_harness import PEBBLE, SKIP_REASON, Pebble, running_pebble
from tests.integration.certctrl.support import new_account
from tests.support.api_client import ApiClient
from tests.support.lambda_events import FakeLambdaContext, http_event

pytestmark = pytest.mark.skipif(PEBBLE is None, reason=SKIP_REASON)
ZONE = "acme-dns.cjj365.cc"


class RouteTokens:
    """Pebble's HTTP-01 requests answered by our own route: the harness responder looks tokens up here."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.broken = False

    def get(self, token: str, default=None):
        self.asked.append(token)
        module = importlib.import_module("certctrl.handlers.acme_challenge")
        event = http_event("GET", f"/.well-known/acme-challenge/{token}", route="/.well-known/acme-challenge/{token}",
                           path_parameters={"token": token})
        raw = module.handler(event, FakeLambdaContext(function_name="acme-challenge"))
        if raw["statusCode"] != 200:
            return default
        assert raw["headers"]["Content-Type"].startswith("text/plain")
        return "wrong" if self.broken else raw["body"]


@pytest.fixture(scope="module")
def ca(tmp_path_factory) -> Pebble:
    from certctrl.providers import acme  # noqa: PLC0415

    with running_pebble(tmp_path_factory.mktemp("pebble-wired")) as running:
        acme.forget_directories()
        running.http01.tokens = RouteTokens()
        yield running


@pytest.fixture
def client(moto_stack, monkeypatch, ca):
    api = ApiClient(moto_stack, "certctrl", monkeypatch, source_ip=fresh_address(), overrides={
        "ACME_DIRECTORIES": json.dumps({"pebble": ca.directory_url}), "ACME_CA_BUNDLE": ca.ca_bundle,
        "ISSUE_STEP_DELAY_CAP_SECONDS": "0"})
    purge(api)
    ca.http01.tokens.broken = False
    return api


def dns_mirror(client: ApiClient, ca: Pebble):
    """The public DNS as pebble sees it: our Route 53 zone's TXT records copied to pebble-challtestsrv's mock DNS
    after every round of jobs (values withdrawn from the zone are cleared there too)."""
    mirrored: dict[str, list[str]] = {}

    def copy() -> None:
        client.use_env("certctrl.CertWorkerFunction")
        route53 = aws.client("route53")
        zone = client.stack.function("certctrl.CertWorkerFunction").environment["ACME_DNS_ZONE_ID"]
        now: dict[str, list[str]] = {}
        for record in route53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]:
            if record["Type"] == "TXT":
                now[record["Name"].rstrip(".")] = [r["Value"].strip('"') for r in record["ResourceRecords"]]
        for name in set(mirrored) | set(now):
            if mirrored.get(name) != now.get(name):
                ca.clear_txt(name)
                for value in now.get(name, []):
                    ca.set_txt(name, value)
        mirrored.clear()
        mirrored.update(now)

    return copy


def pebble_account(client, account) -> dict:
    answer = client.post(f"/apiv1/users/{account.user_id}/acme-accounts",
                         {"name": "local pebble", "email": "ops@example.com", "provider": "pebble"},
                         headers=account.headers)
    assert answer.status == 201, answer.text
    return answer.json["data"]


def new_certificate(client, account, acct_id: int, names: list[str], challenge_type: str) -> dict:
    answer = client.post(f"/apiv1/users/{account.user_id}/acme-accounts/{acct_id}/certificates",
                         {"domain_name": names[0], "sans": names, "challenge_type": challenge_type},
                         headers=account.headers)
    assert answer.status == 201, answer.text
    return answer.json["data"]


def certificate(client, account, cert_id: int) -> dict:
    return client.get(f"/apiv1/users/{account.user_id}/certificates/{cert_id}", query={"detail": "most"},
                      headers=account.headers).json["data"]


def issue(client, account, cert_id: int, **run) -> dict:
    started = client.post(f"/apiv1/users/{account.user_id}/certificates/{cert_id}/issues", {},
                          headers=account.headers)
    assert started.status == 204, started.text
    run_jobs(client, **run)
    return certificate(client, account, cert_id)


def test_an_account_is_registered_at_the_ca_and_follows_the_no_kid_rule(client, ca):
    account = new_account(client)
    created = pebble_account(client, account)
    assert created["kid"].startswith(ca.directory_url.rsplit("/", 1)[0])
    assert created["provider"] == "pebble"
    assert "account_key" not in json.dumps(created)
    path = f"/apiv1/users/{account.user_id}/acme-accounts/{created['id']}"
    moved = client.put(path, {"email": "other@example.com"}, headers=account.headers)
    assert moved.status == 409
    assert moved.json["error"]["code"] == 6000
    assert moved.json["error"]["key"] == "NO_KID"
    renamed = client.put(path, {"name": "renamed", "cert_valid_seconds": 86400}, headers=account.headers)
    assert renamed.status == 200
    assert renamed.json["data"]["name"] == "renamed"
    assert client.get("/apiv1/me/acme-accounts", headers=account.headers).json["total"] == 1
    private = client.post(f"/apiv1/users/{account.user_id}/acme-accounts",
                          {"provider": "acme", "directory_url": "https://169.254.169.254/directory"},
                          headers=account.headers)
    assert private.status == 400
    unknown = client.post(f"/apiv1/users/{account.user_id}/acme-accounts", {"provider": "nowhere"},
                          headers=account.headers)
    assert unknown.status == 400


def test_http01_through_our_route_issues_and_every_device_decrypts(client, ca):
    account = new_account(client)
    acct = pebble_account(client, account)
    cert = new_certificate(client, account, acct["id"], ["example.com", "www.example.com"], "http-01")
    first, second = agent(client, account), agent(client, account)
    for device in (first, second):
        assert client.post(f"/apiv1/users/{account.user_id}/devices/{device.device_id}/certificates",
                           {"cert_id": cert["id"]}, headers=account.headers).status == 202
    _, cursor = signals(client, first)
    started = client.post(f"/apiv1/users/{account.user_id}/certificates/{cert['id']}/issues", {},
                          headers=account.headers)
    assert started.status == 204
    again = client.post(f"/apiv1/users/{account.user_id}/certificates/{cert['id']}/issues", {},
                        headers=account.headers)
    assert again.status == 409  # one issue at a time
    asked_before = len(ca.http01.tokens.asked)
    handled = run_jobs(client)
    assert {m["kind"] for m in handled} == {"issue.advance"}
    done = certificate(client, account, cert["id"])
    assert done["status"] == "ISSUED", done
    assert len(ca.http01.tokens.asked) - asked_before >= 2  # pebble fetched both tokens through our route
    history = client.get(f"/apiv1/users/{account.user_id}/certificates/{cert['id']}/issues",
                         headers=account.headers).json["data"]
    assert history[0]["status"] == "SUCCESS"
    assert history[0]["acme_order_id"].startswith("https://127.0.0.1")
    assert history[0]["completed_at"] >= history[0]["started_at"] > 0
    for device in (first, second):
        materials = client.get(f"/apiv1/devices/self/certificates/{cert['id']}/deploy-materials",
                               headers=device.headers)
        assert materials.status == 200, materials.text
        assert key_matches(open_materials(materials.json["data"], device.secret), done["certificate_pem"])
    told, _ = signals(client, first, cursor)
    kinds = [s["type"] for s in told]
    assert "acme.http01.start" in kinds  # agents that serve HTTP-01 themselves are told too
    start = next(s for s in told if s["type"] == "acme.http01.start")["ref"]
    assert set(start) == {"challenge_id", "token", "key_authorization", "ttl_seconds", "listen"}
    assert kinds[-1] == "cert.updated"
    assert told[-1]["ref"]["wrap_ready"] is True
    # the challenges were withdrawn once validated
    gone = client.get(f"/.well-known/acme-challenge/{start['token']}")
    assert gone.status == 404


def test_dns01_with_cname_delegation_and_a_wildcard(client, ca):
    account = new_account(client)
    acct = pebble_account(client, account)
    base = f"d{uuid.uuid4().hex[:8]}.example.net"
    cert = new_certificate(client, account, acct["id"], [base, f"*.{base}"], "dns-01")
    [delegation] = cert["dns_delegations"]  # a wildcard shares its base name's record
    assert delegation["name"] == f"_acme-challenge.{base}"
    assert delegation["value"].endswith(f".acme.{ZONE}")
    ca.set_cname(delegation["name"], delegation["value"])  # what the user does in their own DNS
    mirror = dns_mirror(client, ca)
    done = issue(client, account, cert["id"], after_round=mirror)
    assert done["status"] == "ISSUED", done
    assert sorted(done["sans"]) == sorted([base, f"*.{base}"])
    client.use_env("certctrl.CertWorkerFunction")
    from certctrl.store import dns  # noqa: PLC0415

    assert dns.txt_values(delegation["value"]) == []  # withdrawn after validation


def test_a_failed_validation_fails_the_issue_with_its_reason(client, ca):
    account = new_account(client)
    acct = pebble_account(client, account)
    cert = new_certificate(client, account, acct["id"], [f"f{uuid.uuid4().hex[:8]}.example.org"], "http-01")
    ca.http01.tokens.broken = True
    failed = issue(client, account, cert["id"])
    assert failed["status"] == "FAILED"
    assert failed["current_issue_id"] is None
    [row] = client.get(f"/apiv1/users/{account.user_id}/certificates/{cert['id']}/issues",
                       headers=account.headers).json["data"]
    assert row["status"] == "FAILED"
    assert row["error_message"]
    assert row["completed_at"] > 0


def test_the_sweep_renews_once_per_window_and_devices_follow(client, ca, monkeypatch):
    account = new_account(client)
    acct = pebble_account(client, account)
    cert = new_certificate(client, account, acct["id"], [f"r{uuid.uuid4().hex[:8]}.example.com"], "http-01")
    device = agent(client, account)
    first = issue(client, account, cert["id"])
    assert first["status"] == "ISSUED"
    client.post(f"/apiv1/users/{account.user_id}/devices/{device.device_id}/certificates", {"cert_id": cert["id"]},
                headers=account.headers)
    lifetime = first["not_after"] - first["not_before"]
    assert first["renew_after"] == first["not_before"] + lifetime * 2 // 3
    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: first["renew_after"] + 60.0)
    swept = sweep(client)
    assert cert["id"] in swept["queued"]
    assert cert["id"] not in sweep(client)["queued"]  # once per window
    monkeypatch.setattr(clock, "now", real_now)
    assert any(m["kind"] == "cert.renew" and m["cert_id"] == cert["id"] for m in pending_jobs(client))
    run_jobs(client)
    renewed = certificate(client, account, cert["id"])
    assert renewed["status"] == "ISSUED"
    assert renewed["serial_number"] != first["serial_number"]
    assert renewed["key_generation"] == first["key_generation"] + 1
    materials = client.get(f"/apiv1/devices/self/certificates/{cert['id']}/deploy-materials",
                           headers=device.headers).json["data"]
    assert key_matches(open_materials(materials, device.secret), renewed["certificate_pem"])
    kinds = [h["kind"] for h in client.get(f"/apiv1/users/{account.user_id}/certificates/{cert['id']}/issues",
                                           headers=account.headers).json["data"]]
    assert kinds == ["renew", "issue"]
