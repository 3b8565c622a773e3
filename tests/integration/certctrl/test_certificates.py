"""The certificates group on moto without a CA: create (names, key, subject, policy; the account's leaf defaults),
list (all, per account, /me), detail (?detail=most), verify_domain against a DNS-over-HTTPS resolver (a fake
provider), an outside worker's issue-result, the internal worker's challenge commands (time-bounded signals the
poll skips once over, the RFC 8737 certificate), the HTTP-01 route, deletes, and the expiry warnings and the
renewal sweep's once-per-window keys."""

from __future__ import annotations

import json
import time

import pytest
from cryptography import x509
from cryptography.x509.oid import ObjectIdentifier

from certctrl import clock
from devstack.fake_provider import FakeProvider
from suite import aws
from tests.integration.certctrl.cert_support import agent, key_matches, open_materials, pending_jobs, purge, signals
from tests.integration.certctrl.conftest import fresh_address
from tests.integration.certctrl.support import api_key, bearer, new_account
from tests.integration.certctrl.test_private_ca_delivery import issue, make_ca, self_ca_certificate
from tests.support.api_client import ApiClient


def create(client, account, **body):
    return client.post(f"/apiv1/users/{account.user_id}/certificates",
                         {"domain_name": "example.com", "sans": ["www.example.com"], **body},
                         headers=account.headers)


def test_create_list_and_read_certificates(client):
    account = new_account(client)
    created = create(client, account, key_algorithm="RSA", key_size=3072, country="de", organization="Example",
                     policy="DEVICE_REQUIRED", challenge_type="http-01")
    assert created.status == 201, created.text
    data = created.json["data"]
    assert data["sans"] == ["example.com", "www.example.com"]
    assert data["status"] == "PENDING"
    assert (data["key_algorithm"], data["key_size"], data["country"]) == ("RSA", 3072, "DE")
    assert data["key_dist_policy"] == "DEVICE_REQUIRED"
    assert data["challenge_type"] == "http-01"
    assert [d["name"] for d in data["dns_delegations"]] == ["_acme-challenge.example.com",
                                                           "_acme-challenge.www.example.com"]
    for bad in ({"domain_name": "not a name"}, {"key_algorithm": "DSA"}, {"policy": "SOMETIMES"},
                {"country": "Germany"}, {"acct_id": 999999}):
        assert create(client, account, **bad).status in (400, 404), bad
    base = f"/apiv1/users/{account.user_id}/certificates"
    assert client.get(base, headers=account.headers).json["total"] == 1
    assert client.get("/apiv1/me/certificates", headers=account.headers).json["data"][0]["id"] == data["id"]
    plain = client.get(f"{base}/{data['id']}", headers=account.headers).json["data"]
    assert "certificate_pem" not in plain or plain["certificate_pem"] is None
    # an account's leaf defaults apply when the body names no key
    ca = make_ca(client, account)
    acct = client.post(f"/apiv1/users/{account.user_id}/acme-accounts",
                       {"name": "own", "provider": "self_ca", "ca_id": ca["id"], "leaf_key_algorithm": "ECDSA",
                        "leaf_ec_curve": "secp384r1"}, headers=account.headers).json["data"]
    under = client.post(f"/apiv1/users/{account.user_id}/acme-accounts/{acct['id']}/certificates",
                        {"domain_name": "svc.internal.example"}, headers=account.headers).json["data"]
    assert (under["key_size"], under["curve_name"], under["acct_id"]) == (384, "secp384r1", acct["id"])
    listed = client.get(f"/apiv1/users/{account.user_id}/acme-accounts/{acct['id']}/certificates",
                        headers=account.headers).json
    assert [c["id"] for c in listed["data"]] == [under["id"]]
    # an account in use and a CA in use cannot go
    assert client.delete(f"/apiv1/users/{account.user_id}/acme-accounts/{acct['id']}",
                         headers=account.headers).status == 409
    assert client.delete(f"/apiv1/users/{account.user_id}/cas/{ca['id']}", headers=account.headers).status == 409


def test_verify_domain_checks_each_cname_over_doh(moto_stack, monkeypatch):
    with FakeProvider() as resolver:
        client = ApiClient(moto_stack, "certctrl", monkeypatch, source_ip=fresh_address(),
                           overrides={"DOH_BASE_URL": resolver.url + "/dns-query"})
        account = new_account(client)
        cert = create(client, account).json["data"]
        expected = {d["name"]: d["value"] for d in cert["dns_delegations"]}
        answers = dict(expected)

        def doh(request):
            if answers.get("down"):
                return 500, {"Content-Type": "application/json"}, b"{}"
            name = request.query["name"][0]
            assert request.query["type"] == ["CNAME"]
            assert request.headers["accept"] == "application/dns-json"
            target = answers.get(name)
            body = {"Status": 0, "Answer": [{"name": name, "type": 5, "TTL": 60, "data": target + "."}]} \
                if target else {"Status": 3}
            return 200, {"Content-Type": "application/dns-json"}, json.dumps(body).encode()

        resolver.respond_with(doh)
        path = f"/apiv1/users/{account.user_id}/certificates/{cert['id']}"
        answers["_acme-challenge.www.example.com"] = "elsewhere.example.org"
        missing = client.put(path, {"action": "verify_domain"}, headers=account.headers)
        assert missing.status == 409
        assert missing.json["error"]["params"]["missing"] == [
            {"name": "_acme-challenge.www.example.com", "expected": expected["_acme-challenge.www.example.com"],
             "found": "elsewhere.example.org"}]
        answers.update(expected)
        ok = client.put(path, {"action": "verify_domain"}, headers=account.headers)
        assert ok.status == 204
        assert client.get(path, headers=account.headers).json["data"]["verified"] is True
        answers["down"] = "yes"
        down = client.put(path, {"action": "verify_domain"}, headers=account.headers)
        assert down.status == 502


def test_an_outside_worker_uploads_a_result(client):
    account = new_account(client)
    ca = make_ca(client, account)
    leaf = client.post(f"/apiv1/users/{account.user_id}/cas/{ca['id']}/issue",
                       {"domain_name": "upload.example.com"}, headers=account.headers).json["data"]
    # a second certificate with the same name gets the worker's upload (key and chain made elsewhere)
    target = create(client, account, domain_name="upload.example.com", sans=[]).json["data"]
    device = agent(client, account)
    client.post(f"/apiv1/users/{account.user_id}/devices/{device.device_id}/certificates", {"cert_id": target["id"]},
                headers=account.headers)
    from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat  # noqa: PLC0415

    from certctrl.logic import private_ca  # noqa: PLC0415

    client.use_env("certctrl.CasFunction")
    from certctrl.logic import issuing  # noqa: PLC0415
    from certctrl.store import certificates as store  # noqa: PLC0415

    issuer = issuing.issuer(store.ca(account.user_id, ca["id"]))
    key = ec.generate_private_key(ec.SECP256R1())
    material = private_ca.issue_leaf(issuer, private_ca.LeafRequest("upload.example.com",
                                                                     public_key=key.public_key()), now=time.time())
    key_pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
    path = f"/apiv1/users/{account.user_id}/certificates/{target['id']}/issue-result"
    _kid, worker_key = api_key(client, account, [{"obtype": "certificates", "obid": str(target["id"]),
                                                  "actions": ["issue"]}])
    assert client.put(path, {"fullchain_pem": material.fullchain_pem.decode()}, headers=account.headers).status == 401
    no_key = client.put(path, {"fullchain_pem": material.fullchain_pem.decode()}, headers=bearer(worker_key))
    assert no_key.status == 400
    wrong = client.put(path, {"certificate_pem": leaf["certificate_pem"], "private_key_pem": key_pem},
                       headers=bearer(worker_key))
    assert wrong.status == 400  # the key is not the certificate's
    done = client.put(path, {"certificate_pem": material.certificate_pem.decode(),
                             "chain_pem": material.chain_pem.decode(), "private_key_pem": key_pem},
                      headers=bearer(worker_key))
    assert done.status == 200, done.text
    assert done.json["data"]["status"] == "SUCCESS"
    assert done.json["data"]["kind"] == "upload"
    record = client.get(f"/apiv1/users/{account.user_id}/certificates/{target['id']}", query={"detail": "most"},
                        headers=account.headers).json["data"]
    assert record["status"] == "ISSUED"
    assert record["chain_pem"]
    materials = client.get(f"/apiv1/devices/self/certificates/{target['id']}/deploy-materials",
                           headers=device.headers).json["data"]
    assert key_matches(open_materials(materials, device.secret), record["certificate_pem"])
    other = client.put(f"/apiv1/users/{account.user_id}/certificates/{leaf['id']}/issue-result",
                       {"status": "FAILED"}, headers=bearer(worker_key))
    assert other.status == 403  # the key is for the other certificate only


def test_internal_worker_commands_reach_the_agents_while_live(client, monkeypatch):
    account = new_account(client)
    _ca, _acct, cert = self_ca_certificate(client, account)
    issue(client, account, cert["id"])
    first, second = agent(client, account), agent(client, account)
    for device in (first, second):
        client.post(f"/apiv1/users/{account.user_id}/devices/{device.device_id}/certificates",
                    {"cert_id": cert["id"]}, headers=account.headers)
    _, cursor = signals(client, first)
    _, second_cursor = signals(client, second)
    _kid, key = api_key(client, account, [{"obtype": "certificates", "obid": "*", "actions": ["issue"]}])
    base = f"/apiv1/internal/certificates/{cert['id']}/challenges"
    token = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA"
    keyauth = f"{token}.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI"
    assert client.post(f"{base}/http01/start", {"token": token, "key_authorization": keyauth},
                       headers=account.headers).status == 401  # an API key route
    bad = client.post(f"{base}/http01/start", {"token": token, "key_authorization": "x" * 30}, headers=bearer(key))
    assert bad.status == 400
    started = client.post(f"{base}/http01/start", {"token": token, "key_authorization": keyauth, "ttl_seconds": 60,
                                                   "device_id": first.device_id}, headers=bearer(key))
    assert started.status == 200, started.text
    assert started.json["data"]["device_ids"] == [first.device_id]
    served = client.get(f"/.well-known/acme-challenge/{token}")
    assert served.status == 200
    assert served.text == keyauth
    assert served.headers["content-type"] == "text/plain"
    told, live_cursor = signals(client, first, cursor)
    assert [s["type"] for s in told] == ["acme.http01.start"]
    assert told[0]["ref"]["listen"] == {"http": {"bind": "0.0.0.0", "port": 80}}
    assert signals(client, second, second_cursor)[0] == []  # only the device named
    alpn = client.post(f"{base}/tlsalpn01/start", {"token": token, "key_authorization": keyauth,
                                                   "domain": "app.example.internal"}, headers=bearer(key))
    assert alpn.status == 200
    assert sorted(alpn.json["data"]["device_ids"]) == sorted([first.device_id,
                                                                                     second.device_id])
    ref = signals(client, second, second_cursor)[0][0]["ref"]
    certificate = x509.load_pem_x509_certificate(ref["certificate"]["cert_pem"].encode())
    extension = certificate.extensions.get_extension_for_oid(ObjectIdentifier("1.3.6.1.5.5.7.1.31"))
    import hashlib  # noqa: PLC0415

    assert extension.critical
    assert extension.value.value == b"\x04\x20" + hashlib.sha256(keyauth.encode()).digest()
    assert client.post(f"{base}/http01/stop", {"token": token}, headers=bearer(key)).status == 200
    assert client.get(f"/.well-known/acme-challenge/{token}").status == 404
    assert client.post(f"{base}/tlsalpn01/stop", {"challenge_id": token}, headers=bearer(key)).status == 200
    # an hour later the start commands are over: a poll from before them steps over them
    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: real_now() + 3600)
    later, after = signals(client, first, cursor)
    assert [s["type"] for s in later] == []
    assert after != cursor
    assert int(after.split("-")[1]) > int(live_cursor.split("-")[1])
    assert client.get("/.well-known/acme-challenge/" + "x" * 3000).status == 404


def test_deleting_a_certificate_unassigns_it_everywhere(client):
    account = new_account(client)
    _ca, _acct, cert = self_ca_certificate(client, account)
    issue(client, account, cert["id"])
    device = agent(client, account)
    client.post(f"/apiv1/users/{account.user_id}/devices/{device.device_id}/certificates", {"cert_id": cert["id"]},
                headers=account.headers)
    _, cursor = signals(client, device)
    path = f"/apiv1/users/{account.user_id}/certificates/{cert['id']}"
    assert client.delete(path, headers=account.headers).status == 204
    assert client.get(path, headers=account.headers).status == 404
    told, _ = signals(client, device, cursor)
    assert [(s["type"], s["ref"]) for s in told] == [("cert.unassigned", {"cert_id": cert["id"]})]
    assert client.get(f"/apiv1/users/{account.user_id}/devices/{device.device_id}/certificates",
                      headers=account.headers).json["data"] == []


@pytest.fixture
def expiry_events(client):
    """An EventBridge rule on certctrl's expiry events, delivering to a queue the test reads (moto)."""
    client.use_env("certctrl.RenewalSweepFunction")
    events, sqs = aws.client("events"), aws.client("sqs")
    url = sqs.create_queue(QueueName=f"expiry-{time.time_ns()}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    rule = f"expiring-{time.time_ns()}"
    events.put_rule(Name=rule, EventPattern=json.dumps({"source": ["certctrl"],
                                                        "detail-type": ["certctrl.certificate.expiring"]}))
    events.put_targets(Rule=rule, Targets=[{"Id": "q", "Arn": arn}])

    def read() -> list[dict]:
        client.use_env("certctrl.RenewalSweepFunction")
        found = aws.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(m["Body"]) for m in found]

    yield read
    events.remove_targets(Rule=rule, Ids=["q"])
    events.delete_rule(Name=rule)


def test_expiry_warnings_are_events_once_per_threshold(client, monkeypatch, expiry_events):
    from tests.integration.certctrl.cert_support import sweep  # noqa: PLC0415

    account = new_account(client)
    _ca, _acct, cert = self_ca_certificate(client, account)
    issued = issue(client, account, cert["id"])
    client.put(f"/apiv1/users/{account.user_id}/certificates/{cert['id']}", {"auto_renew": False},
               headers=account.headers)
    purge(client)
    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: issued["not_after"] - 5 * 86400 + 10.0)
    first = sweep(client)
    assert [cert["id"], 7] in first["warned"]
    assert cert["id"] not in first["queued"]  # auto_renew off: warned, never renewed
    assert [cert["id"], 7] not in sweep(client)["warned"]  # once per threshold
    monkeypatch.setattr(clock, "now", lambda: issued["not_after"] + 10.0)
    assert [cert["id"], 0] in sweep(client)["warned"]
    monkeypatch.setattr(clock, "now", real_now)
    received = [e for e in expiry_events() if e["detail"]["cert_id"] == cert["id"]]
    assert [e["detail"]["threshold_days"] for e in received] == [7, 0]
    detail = received[0]["detail"]
    assert received[0]["source"] == "certctrl"
    assert received[0]["detail-type"] == "certctrl.certificate.expiring"
    assert detail == {**detail, "event_key": "certificate.expiring", "user_id": account.user_id,
                      "domain_name": "app.example.internal", "days_left": 4, "expired": False, "auto_renew": False,
                      "serial_number": issued["serial_number"], "not_after": issued["not_after"],
                      "last_issue_status": "SUCCESS"}
    assert received[1]["detail"]["expired"] is True
    assert [j for j in pending_jobs(client) if j.get("cert_id") == cert["id"]] == []


def test_one_acme_issue_at_a_time_until_it_ends_or_its_deadline_passes(client, monkeypatch):
    from certctrl.models.entities import AcmeAccount  # noqa: PLC0415
    from certctrl.providers import acme  # noqa: PLC0415
    from certctrl.store import certificates, counters  # noqa: PLC0415
    from certctrl.store.key_vault import vault  # noqa: PLC0415

    account = new_account(client)
    client.use_env("certctrl.AcmeAccountsFunction")
    account_id = counters.next_id("acme_account")
    certificates.create_account(AcmeAccount(  # as a registration leaves it; no CA is reached in this test
        certificates.user_key(account.user_id), certificates.account_sk(account_id), id=account_id,
        user_id=account.user_id, name="le", provider="letsencrypt", kid="https://acme.invalid/acct/1",
        account_key=vault().seal_account_key(acme.new_account_key_pem(), user_id=account.user_id,
                                             account_id=account_id), created_at_ms=0, updated_at_ms=0))
    purge(client)
    cert = create(client, account, acct_id=account_id).json["data"]
    path = f"/apiv1/users/{account.user_id}/certificates/{cert['id']}/issues"
    assert client.post(path, {}, headers=account.headers).status == 204
    [job] = pending_jobs(client)
    assert job["kind"] == "issue.advance"
    assert job["cert_id"] == cert["id"]
    assert client.post(path, {}, headers=account.headers).status == 409
    running = client.get(path, headers=account.headers).json["data"]
    assert [r["status"] for r in running] == ["PENDING"]
    # its messages were lost and its deadline (at most 6 h) passed: it no longer holds the certificate
    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: real_now() + 7 * 3600)
    assert client.post(path, {}, headers=account.headers).status == 204
    monkeypatch.setattr(clock, "now", real_now)
    history = client.get(path, headers=account.headers).json["data"]
    assert [r["status"] for r in history] == ["PENDING", "FAILED"]
    assert history[1]["error_message"] == "the issue stopped before its deadline"
    purge(client)
