"""certctrl's ACME engine against a real ACME server (pebble, see pebble_harness.py): accounts (with and without
external account binding), issuance through the state machine with HTTP-01 (pebble's validator fetches the token
from our responder) and DNS-01 (pebble reads the TXT records we publish in its mock DNS, including through a CNAME
delegation), validation-skip mode, a failed validation, a renewal, and the issued key delivered to two devices."""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import time
from dataclasses import dataclass, field

import boto3
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import load_der_private_key
from cryptography.x509.verification import PolicyBuilder, Store
from moto import mock_aws
from nacl.public import PrivateKey, SealedBox

from certctrl.logic import delivery_crypto, issuance, pki, renewal
from certctrl.logic.issuance import (
    CertificateIssued,
    IssueFailed,
    IssueState,
    IssueStatus,
    PublishDnsTxt,
    ServeHttp01,
    Step,
    StorePendingKey,
    WithdrawDnsTxt,
    WithdrawHttp01,
)
from certctrl.providers import acme
from certctrl.store.key_vault import KeyVault
from suite.outbound import ProviderError
from suite.security.secret_box import forget_boxes
from tests.integration.certctrl.pebble_harness import PEBBLE, SKIP_REASON, Pebble, running_pebble

pytestmark = pytest.mark.skipif(PEBBLE is None, reason=SKIP_REASON)

EAB_KID = "kid-1"
EAB_HMAC = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W"  # pebble's sample EAB key


@pytest.fixture(scope="module")
def ca(tmp_path_factory) -> Pebble:
    with running_pebble(tmp_path_factory.mktemp("pebble")) as running:
        acme.forget_directories()
        yield running


@pytest.fixture(scope="module")
def skip_ca(tmp_path_factory) -> Pebble:
    with running_pebble(tmp_path_factory.mktemp("pebble-skip"), always_valid=True) as running:
        yield running


@pytest.fixture(scope="module")
def eab_ca(tmp_path_factory) -> Pebble:
    with running_pebble(tmp_path_factory.mktemp("pebble-eab"), eab_keys={EAB_KID: EAB_HMAC}) as running:
        yield running


def endpoint(ca: Pebble) -> acme.Endpoint:
    return acme.operator_endpoint(ca.directory_url, ca_bundle=ca.ca_bundle)


def registered_client(ca: Pebble) -> acme.AcmeClient:
    client = acme.AcmeClient(endpoint(ca), acme.new_account_key_pem())
    client.register(email="ops@example.com")
    return client


@dataclass
class Worker:
    """The SQS worker's loop in a test: advance, perform the effects on pebble's stand-ins (its mock DNS, our HTTP-01
    responder), save (a JSON round trip), and take the next message after a compressed delay."""

    ca: Pebble
    client: acme.AcmeClient
    serve_http: bool = True
    publish_dns: bool = True
    pending_key: bytes = b""
    issued: list[CertificateIssued] = field(default_factory=list)
    failed: list[IssueFailed] = field(default_factory=list)
    seen: list[type] = field(default_factory=list)
    messages: int = 0

    def perform(self, step: Step) -> None:
        for effect in step.effects:
            self.seen.append(type(effect))
            if isinstance(effect, StorePendingKey):
                self.pending_key = effect.private_key_pem
            elif isinstance(effect, PublishDnsTxt) and self.publish_dns and self.ca.challtestsrv_url:
                for value in effect.values:
                    self.ca.set_txt(effect.record_name, value)
            elif isinstance(effect, WithdrawDnsTxt) and self.ca.challtestsrv_url:
                self.ca.clear_txt(effect.record_name)
            elif isinstance(effect, ServeHttp01) and self.serve_http:
                self.ca.http01.serve(effect.token, effect.key_authorization)
            elif isinstance(effect, WithdrawHttp01):
                self.ca.http01.withdraw(effect.token)
            elif isinstance(effect, CertificateIssued):
                self.issued.append(effect)
            elif isinstance(effect, IssueFailed):
                self.failed.append(effect)

    def run(self, first: Step, limit: int = 300) -> IssueState:
        self.perform(first)
        state = IssueState.from_record(json.loads(json.dumps(first.state.to_record())))
        while not state.status.terminal and self.messages < limit:
            self.messages += 1
            step = issuance.advance(state, self.client, int(time.time()))
            self.perform(step)
            state = IssueState.from_record(json.loads(json.dumps(step.state.to_record())))
            if step.requeue:
                time.sleep(min(step.requeue, 0.1))  # pebble validates at once (PEBBLE_VA_NOSLEEP)
        return state


def verify_chain(ca: Pebble, fullchain: str, name: str) -> x509.Certificate:
    chain = pki.split_chain(fullchain)
    verifier = (PolicyBuilder().store(Store(ca.roots())).time(datetime.datetime.now(datetime.UTC))
                .build_server_verifier(x509.DNSName(name)))
    verifier.verify(chain.leaf(), chain.issuers())
    return chain.leaf()


def start(names: tuple[str, ...], challenge_type: str, **kwargs) -> Step:
    return issuance.start_issue(issue_id=f"i-{time.time_ns()}", cert_id="c1", domain_name=names[0], sans=names[1:],
                                challenge_type=challenge_type, now=int(time.time()), **kwargs)


# -- accounts ------------------------------------------------------------------------------------------------------


def test_an_account_is_created_then_found_by_its_key(ca):
    key = acme.new_account_key_pem()
    client = acme.AcmeClient(endpoint(ca), key)
    assert client.lookup() is None
    created = client.register(email="ops@example.com")
    assert created.created
    assert created.kid.startswith(ca.directory_url.rsplit("/", 1)[0])
    assert created.contacts == ("mailto:ops@example.com",)
    again = client.register(email="other@example.com")
    assert not again.created
    assert again.kid == created.kid
    assert acme.AcmeClient(endpoint(ca), key).lookup().kid == created.kid
    meta = client.meta()
    assert meta.terms_of_service
    assert not meta.external_account_required
    assert not meta.renewal_info  # pebble 2.4 has no ARI


def test_rsa_account_keys_work_too(ca):
    client = acme.AcmeClient(endpoint(ca), acme.new_account_key_pem("RS256"))
    assert client.register().created


def test_external_account_binding_like_zerossl(eab_ca):
    client = acme.AcmeClient(endpoint(eab_ca), acme.new_account_key_pem())
    assert client.meta().external_account_required
    with pytest.raises(ProviderError) as without:
        client.register(email="ops@example.com")
    assert without.value.provider_code == "externalAccountRequired"
    wrong = acme.ExternalBinding(EAB_KID, base64.urlsafe_b64encode(b"not the key").rstrip(b"=").decode())
    with pytest.raises(ProviderError) as refused:
        client.register(email="ops@example.com", eab=wrong)
    assert refused.value.reason == "rejected"
    account = client.register(email="ops@example.com", eab=acme.ExternalBinding(EAB_KID, EAB_HMAC))
    assert account.created


# -- issuance through the state machine ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def http01_issue(ca):
    client = registered_client(ca)
    worker = Worker(ca, client)
    requests_before = len(ca.http01.requests)
    state = worker.run(start(("example.com", "www.example.com"), "http-01"))
    return worker, state, ca.http01.requests[requests_before:]


def test_http01_issues_a_certificate_pebble_validated(ca, http01_issue):
    worker, state, fetched = http01_issue
    assert state.status is IssueStatus.DONE, state.error
    [issued] = worker.issued
    leaf = verify_chain(ca, issued.fullchain_pem, "www.example.com")
    assert set(pki.certificate_info(leaf).names) == {"example.com", "www.example.com"}
    assert pki.key_matches_certificate(pki.load_private_key(worker.pending_key), leaf)
    assert issued.serial_hex == format(leaf.serial_number, "x")
    # pebble's validator really fetched both tokens from the responder, and they were withdrawn afterwards
    tokens = {c.token for c in state.challenges}
    assert {path.rsplit("/", 1)[-1] for _host, path in fetched} >= tokens
    assert {host.split(":")[0] for host, _path in fetched} >= {"example.com", "www.example.com"}
    assert not tokens & set(ca.http01.tokens)
    assert [t for t in worker.seen if t is WithdrawHttp01]


def test_a_renewal_issues_a_new_certificate_for_the_same_names(ca, http01_issue):
    first_worker, _state, _fetched = http01_issue
    first = first_worker.issued[0]
    client = first_worker.client
    ari = client.renewal_info(first.fullchain_pem)
    assert ari is None  # pebble 2.4: no renewalInfo, so two thirds of the lifetime
    plan = renewal.plan_renewal(cert_id="c1", serial_hex=first.serial_hex, not_before=first.not_before,
                                not_after=first.not_after, now=int(time.time()), ari=ari)
    assert plan.source == "lifetime"
    assert plan.renew_after == first.not_before + (first.not_after - first.not_before) * 2 // 3
    worker = Worker(ca, client)
    state = worker.run(start(("example.com", "www.example.com"), "http-01"))
    assert state.status is IssueStatus.DONE, state.error
    [renewed] = worker.issued
    leaf = verify_chain(ca, renewed.fullchain_pem, "example.com")
    assert renewed.serial_hex != first.serial_hex
    assert pki.key_matches_certificate(pki.load_private_key(worker.pending_key), leaf)
    assert worker.pending_key != first_worker.pending_key
    assert renewal.plan_renewal(cert_id="c1", serial_hex=renewed.serial_hex, not_before=renewed.not_before,
                                not_after=renewed.not_after, now=int(time.time())).key != plan.key


def test_dns01_issues_a_wildcard_from_txt_records_pebble_looked_up(ca):
    worker = Worker(ca, registered_client(ca))
    state = worker.run(start(("example.org", "*.example.org"), "dns-01", key=pki.key_spec("ECDSA", 384)))
    assert state.status is IssueStatus.DONE, state.error
    leaf = verify_chain(ca, worker.issued[0].fullchain_pem, "api.example.org")
    assert pki.spec_of(leaf.public_key()) == pki.KeySpec("ECDSA", 384, "secp384r1")
    assert {c.type for c in state.challenges} == {"dns-01"}
    assert {c.record_name for c in state.challenges} == {"_acme-challenge.example.org"}
    assert "_acme-challenge.example.org" not in ca.txt  # withdrawn


def test_dns01_through_a_cname_delegation(ca):
    """The user delegates `_acme-challenge.<name>` by CNAME to our zone; we only ever write in our zone."""
    delegations = issuance.expected_delegations(["shop.example.net"], "c77", "acme-zone.test")
    for name, target in delegations.items():
        ca.set_cname(name, target)
    worker = Worker(ca, registered_client(ca))
    state = worker.run(start(("shop.example.net",), "dns-01", dns_delegations=delegations))
    assert state.status is IssueStatus.DONE, state.error
    assert [c.record_name for c in state.challenges] == ["c77.acme.acme-zone.test"]
    verify_chain(ca, worker.issued[0].fullchain_pem, "shop.example.net")


def test_rsa_leaf_keys_are_issued(ca):
    worker = Worker(ca, registered_client(ca))
    state = worker.run(start(("rsa.example.com",), "http-01", key=pki.key_spec("RSA", 3072)))
    assert state.status is IssueStatus.DONE, state.error
    leaf = verify_chain(ca, worker.issued[0].fullchain_pem, "rsa.example.com")
    assert pki.spec_of(leaf.public_key()) == pki.KeySpec("RSA", 3072)


def test_dns01_in_validation_skip_mode(skip_ca):
    """PEBBLE_VA_ALWAYS_VALID=1: nothing is looked up, every challenge passes (what `make dev` can run with)."""
    worker = Worker(skip_ca, registered_client(skip_ca), serve_http=False, publish_dns=False)
    state = worker.run(start(("skip.example.com", "*.skip.example.com"), "dns-01"))
    assert state.status is IssueStatus.DONE, state.error
    verify_chain(skip_ca, worker.issued[0].fullchain_pem, "a.skip.example.com")


def test_a_challenge_nobody_serves_fails_the_issue_with_the_cas_reason(ca):
    worker = Worker(ca, registered_client(ca), serve_http=False)
    state = worker.run(start(("unserved.example.com",), "http-01"))
    assert state.status is IssueStatus.FAILED
    assert "validation of unserved.example.com failed" in state.error
    assert worker.failed[0].message == state.error
    assert not worker.issued


# -- delivery of the issued key ------------------------------------------------------------------------------------


class Agent:
    def __init__(self) -> None:
        self.secret = PrivateKey.generate()

    @property
    def dev_pk(self) -> bytes:
        return bytes(self.secret.public_key)

    def decrypt(self, materials: dict) -> bytes:
        assert base64.b64decode(materials["device_keyfp_b64"]) == hashlib.blake2b(self.dev_pk, digest_size=32).digest()
        data_key = SealedBox(self.secret).decrypt(base64.b64decode(materials["enc_data_key_b64"]))
        return AESGCM(data_key).decrypt(base64.b64decode(materials["privkey_nonce_b64"]),
                                        base64.b64decode(materials["enc_privkey_b64"])
                                        + base64.b64decode(materials["privkey_tag_b64"]), None)


def test_the_issued_key_reaches_two_devices_through_the_master_wrap(http01_issue):
    worker, _state, _fetched = http01_issue
    [issued] = worker.issued
    leaf = pki.split_chain(issued.fullchain_pem).leaf()
    key = pki.load_private_key(worker.pending_key)
    first, second = Agent(), Agent()
    with mock_aws():
        forget_boxes()
        key_arn = boto3.client("kms", region_name="us-east-1").create_key()["KeyMetadata"]["Arn"]
        vault = KeyVault(key_arn)
        # On success the worker encrypts the key under a fresh data key and keeps the data key only KMS-wrapped.
        data_key = delivery_crypto.new_data_key()
        encrypted = delivery_crypto.encrypt_private_key(pki.private_key_der(key), data_key)
        master_wrap = vault.wrap_data_key(data_key, user_id="u1", cert_id="c1")
        del data_key
        # Assignment of the first device, later a second one: the re-wrap job unwraps and seals for EVERY device.
        for devices in ([first], [first, second]):
            unwrapped = vault.unwrap_data_key(master_wrap, user_id="u1", cert_id="c1")
            wraps = delivery_crypto.wrap_for_devices(unwrapped, [
                delivery_crypto.DeviceKey(f"d{i}", agent.dev_pk) for i, agent in enumerate(devices)])
        forget_boxes()
    for agent, wrap in zip((first, second), wraps, strict=True):
        decision = delivery_crypto.deploy_decision("HYBRID", has_encrypted_key=True, wrap=wrap, device_pk=agent.dev_pk)
        assert decision is delivery_crypto.DeployDecision.AEAD
        der = agent.decrypt(delivery_crypto.aead_materials(encrypted, wrap))
        assert pki.key_matches_certificate(load_der_private_key(der, password=None), leaf)
