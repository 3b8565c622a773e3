"""The issuance state machine (logic/issuance.py) against an in-memory CA: every transition, its effects, retries,
deadlines, and that each step can run twice from the same persisted state."""

from __future__ import annotations

import json

import pytest
from cryptography import x509

from certctrl.logic import issuance, pki
from certctrl.logic.issuance import (
    CertificateIssued,
    IssueFailed,
    IssueState,
    IssueStatus,
    PublishDnsTxt,
    Requeue,
    ServeHttp01,
    StorePendingKey,
    WithdrawDnsTxt,
    WithdrawHttp01,
)
from suite.outbound import ProviderError
from tests.unit.certctrl.fake_acme import THUMBPRINT, FakeAcme

NOW = 1_800_000_000


def start(names=("example.com", "www.example.com"), challenge_type="http-01", **kwargs):
    return issuance.start_issue(issue_id="i1", cert_id="c1", domain_name=names[0], sans=names[1:],
                                challenge_type=challenge_type, now=NOW, **kwargs)


def persisted(state: IssueState) -> IssueState:
    """What the next message finds: the state after a JSON round trip through the store."""
    return IssueState.from_record(json.loads(json.dumps(state.to_record())))


def test_start_makes_a_key_its_csr_and_the_first_message():
    step = start(names=("Example.COM", "www.example.com", "example.com"), key=pki.key_spec("RSA", 2048),
                 subject=pki.Subject.from_fields(organization="Acme", country="us"))
    state = step.state
    assert state.status is IssueStatus.PENDING
    assert state.names == ("example.com", "www.example.com")
    assert state.deadline == NOW + issuance.DEFAULT_MAX_SECONDS
    [stored] = step.of_type(StorePendingKey)
    key = pki.load_private_key(stored.private_key_pem)
    csr = x509.load_pem_x509_csr(state.csr_pem.encode())
    assert pki.public_key_der(key) == pki.public_key_der(csr.public_key())
    assert pki.spec_of(key) == pki.KeySpec("RSA", 2048)
    assert pki.csr_names(state.csr_pem) == ("example.com", "www.example.com")
    assert csr.subject.get_attributes_for_oid(x509.NameOID.COUNTRY_NAME)[0].value == "US"
    assert step.requeue == 0
    assert "private_key" not in json.dumps(state.to_record())


def test_unknown_challenge_type_is_refused():
    with pytest.raises(ValueError, match="challenge_type"):
        start(challenge_type="tls-alpn-01")


def test_http01_from_order_to_certificate():
    ca = FakeAcme()
    first = start()
    key_pem = first.of_type(StorePendingKey)[0].private_key_pem

    placed = issuance.advance(persisted(first.state), ca, NOW)
    assert placed.state.status is IssueStatus.CHALLENGES_SET
    served = placed.of_type(ServeHttp01)
    assert sorted(s.identifier for s in served) == ["example.com", "www.example.com"]
    assert all(s.key_authorization == f"{s.token}.{THUMBPRINT}" for s in served)
    assert all(s.expires_at == placed.state.deadline for s in served)
    assert placed.requeue == issuance.HTTP_PUBLISH_DELAY
    assert not placed.of_type(PublishDnsTxt)

    answered = issuance.advance(persisted(placed.state), ca, NOW + 1)
    assert answered.state.status is IssueStatus.VALIDATING
    assert ca.calls["answer"] == 2
    assert answered.requeue == issuance.FIRST_POLL_DELAY

    ca.validate_all()
    finalizing = issuance.advance(persisted(answered.state), ca, NOW + 5)
    assert finalizing.state.status is IssueStatus.FINALIZING
    assert ca.calls["finalize"] == 1
    assert sorted(w.token for w in finalizing.of_type(WithdrawHttp01)) == sorted(s.token for s in served)
    assert finalizing.requeue is not None

    done = finalizing
    for n in range(5):
        if done.state.status is IssueStatus.DONE:
            break
        done = issuance.advance(persisted(done.state), ca, NOW + 10 + n)
    assert done.state.status is IssueStatus.DONE
    assert done.requeue is None
    [issued] = done.of_type(CertificateIssued)
    chain = pki.split_chain(issued.fullchain_pem)
    assert chain.chain_pem  # the issuer came along
    leaf = chain.leaf()
    assert pki.key_matches_certificate(pki.load_private_key(key_pem), leaf)
    assert set(pki.certificate_info(leaf).names) == {"example.com", "www.example.com"}
    assert issued.serial_hex == format(leaf.serial_number, "x")
    assert done.state.completed_at > 0


def test_dns01_wildcard_and_base_share_one_delegated_record():
    ca = FakeAcme()
    delegations = issuance.expected_delegations(["example.com", "*.example.com"], "c1", "acme-zone.test")
    first = start(names=("example.com", "*.example.com"), challenge_type="dns-01", dns_delegations=delegations)
    placed = issuance.advance(first.state, ca, NOW)
    [published] = placed.of_type(PublishDnsTxt)
    assert published.record_name == "c1.acme.acme-zone.test"
    assert len(published.values) == 2  # one per authorization (base and wildcard), on the same record
    assert {c.dns_name for c in placed.state.challenges} == {"_acme-challenge.example.com"}
    assert placed.requeue == issuance.DNS_PROPAGATION_DELAY
    assert not placed.of_type(ServeHttp01)


def test_dns01_without_delegation_writes_the_validation_name_itself():
    placed = issuance.advance(start(names=("a.example.com",), challenge_type="dns-01").state, FakeAcme(), NOW)
    [published] = placed.of_type(PublishDnsTxt)
    assert published.record_name == "_acme-challenge.a.example.com"


def test_http01_preferred_still_proves_a_wildcard_with_dns01():
    placed = issuance.advance(start(names=("example.com", "*.example.com")).state, FakeAcme(), NOW)
    kinds = {(c.identifier, c.wildcard): c.type for c in placed.state.challenges}
    assert kinds == {("example.com", False): "http-01", ("example.com", True): "dns-01"}
    assert len(placed.of_type(ServeHttp01)) == 1
    assert len(placed.of_type(PublishDnsTxt)) == 1


def test_falls_back_to_the_other_supported_challenge():
    placed = issuance.advance(start().state, FakeAcme(challenge_types=("dns-01",)), NOW)
    assert {c.type for c in placed.state.challenges} == {"dns-01"}


def test_no_supported_challenge_fails():
    failed = issuance.advance(start().state, FakeAcme(challenge_types=("tls-alpn-01",)), NOW)
    assert failed.state.status is IssueStatus.FAILED
    assert "no supported challenge" in failed.state.error


def test_reused_authorizations_go_straight_to_finalizing():
    ca = FakeAcme(reuse={"example.com", "www.example.com"}, finalize_immediately=True)
    done = issuance.advance(start().state, ca, NOW)
    assert done.state.status is IssueStatus.DONE
    assert ca.calls["answer"] == 0
    assert done.of_type(CertificateIssued)


def test_partly_reused_authorizations_only_challenge_the_rest():
    placed = issuance.advance(start().state, FakeAcme(reuse={"example.com"}), NOW)
    assert [c.identifier for c in placed.state.challenges] == ["www.example.com"]


def test_failed_validation_fails_the_issue_and_withdraws_everything():
    ca = FakeAcme()
    placed = issuance.advance(start(names=("example.com", "*.example.com")).state, ca, NOW)
    answered = issuance.advance(placed.state, ca, NOW + 1)
    ca.invalidate("example.com", "urn:ietf:params:acme:error:unauthorized: 404 at /.well-known")
    failed = issuance.advance(answered.state, ca, NOW + 5)
    assert failed.state.status is IssueStatus.FAILED
    assert "validation of example.com failed" in failed.state.error
    assert "404" in failed.state.error
    assert failed.of_type(WithdrawHttp01)
    assert failed.of_type(WithdrawDnsTxt)
    [reported] = failed.of_type(IssueFailed)
    assert reported.message == failed.state.error
    assert failed.requeue is None


def test_an_authorization_invalid_before_answering_fails_at_once():
    ca = FakeAcme()
    placed = issuance.advance(start().state, ca, NOW)
    ca.invalidate("www.example.com", "caa: CAA record forbids issuance")
    failed = issuance.advance(placed.state, ca, NOW + 1)
    assert failed.state.status is IssueStatus.FAILED
    assert "CAA" in failed.state.error


def test_polling_backs_off_and_honours_retry_after_within_limits():
    ca = FakeAcme()
    state = issuance.advance(issuance.advance(start().state, ca, NOW).state, ca, NOW).state
    delays = []
    for n in range(4):
        step = issuance.advance(state, ca, NOW + n)
        state = step.state
        delays.append(step.requeue)
    assert delays == [3, 6, 12, 24]
    assert state.polls == 4
    ca.orders[state.order_url].retry_after = 5000
    assert issuance.advance(state, ca, NOW).requeue == issuance.MAX_DELAY
    assert issuance.advance(state, ca, state.deadline - 7).requeue == 7  # never past the deadline


def test_the_order_expiry_bounds_the_issue():
    ca = FakeAcme(order_expires=NOW + 600)
    placed = issuance.advance(start().state, ca, NOW)
    assert placed.state.deadline == NOW + 600
    expired = issuance.advance(placed.state, ca, NOW + 600)
    assert expired.state.status is IssueStatus.FAILED
    assert "expired" in expired.state.error
    assert len(expired.of_type(WithdrawHttp01)) == 2
    assert ca.calls["answer"] == 0


def test_a_retryable_ca_failure_keeps_the_state_and_retries_later():
    ca = FakeAcme()
    state = start().state
    ca.fail_next("new_order", ProviderError("unreachable", "acme: new order: serverInternal"))
    step = issuance.advance(state, ca, NOW)
    assert step.state.status is IssueStatus.PENDING
    assert step.state.retries == 1
    assert step.state.revision == state.revision + 1
    assert step.requeue == issuance.FIRST_POLL_DELAY
    assert step.of_type(IssueFailed) == []
    ok = issuance.advance(step.state, ca, NOW + 3)
    assert ok.state.status is IssueStatus.CHALLENGES_SET
    assert ok.state.retries == 0
    assert ok.state.error == ""


def test_rate_limits_wait_what_the_ca_asks():
    ca = FakeAcme()
    ca.fail_next("new_order", ProviderError("rate_limited", "acme: new order: rateLimited", retry_after=120))
    assert issuance.advance(start().state, ca, NOW).requeue == 120


def test_retries_are_bounded():
    ca = FakeAcme()
    state = start().state
    for _ in range(issuance.MAX_RETRIES):
        ca.fail_next("new_order", ProviderError("timeout", "acme: new order: timed out"))
    for _ in range(issuance.MAX_RETRIES):
        step = issuance.advance(state, ca, NOW)
        state = step.state
    assert state.status is IssueStatus.FAILED
    assert "timed out" in state.error


def test_a_refusal_fails_at_once():
    ca = FakeAcme()
    ca.fail_next("new_order", ProviderError("rejected", "acme: new order: rejectedIdentifier (example.com)"))
    step = issuance.advance(start().state, ca, NOW)
    assert step.state.status is IssueStatus.FAILED
    assert "rejectedIdentifier" in step.state.error
    assert step.of_type(IssueFailed)


def test_answering_twice_from_the_same_state_answers_once():
    ca = FakeAcme()
    placed = issuance.advance(start().state, ca, NOW)
    saved = persisted(placed.state)
    once = issuance.advance(saved, ca, NOW + 1)
    twice = issuance.advance(saved, ca, NOW + 2)  # the message came again before the save was seen
    assert ca.calls["answer"] == 2  # two names, each answered once
    assert once.state.status is twice.state.status is IssueStatus.VALIDATING
    assert all(c.answered for c in twice.state.challenges)


def test_finalizing_twice_from_the_same_state_finalizes_once():
    ca = FakeAcme()
    state = issuance.advance(issuance.advance(start().state, ca, NOW).state, ca, NOW).state
    ca.validate_all()
    saved = persisted(state)
    first = issuance.advance(saved, ca, NOW + 5)
    second = issuance.advance(saved, ca, NOW + 6)
    assert ca.calls["finalize"] == 1
    assert second.state.status in (IssueStatus.FINALIZING, IssueStatus.DONE)
    assert first.state.status is IssueStatus.FINALIZING


def test_terminal_states_do_nothing():
    ca = FakeAcme(reuse={"example.com", "www.example.com"}, finalize_immediately=True)
    done = issuance.advance(start().state, ca, NOW)
    calls = sum(ca.calls.values())
    again = issuance.advance(done.state, ca, NOW + 1)
    assert again.state == done.state
    assert again.effects == ()
    assert sum(ca.calls.values()) == calls
    failed = issuance.advance(start().state, FakeAcme(challenge_types=()), NOW)
    assert issuance.advance(failed.state, ca, NOW).effects == ()


def test_every_step_bumps_the_revision_the_store_conditions_on():
    ca = FakeAcme(auto_validate=True)
    state = start().state
    revisions = [state.revision]
    while not state.status.terminal:
        state = issuance.advance(persisted(state), ca, NOW).state
        revisions.append(state.revision)
    assert state.status is IssueStatus.DONE
    assert revisions == list(range(len(revisions)))


def test_a_certificate_for_another_key_is_refused():
    ca = FakeAcme(reuse={"example.com", "www.example.com"}, finalize_immediately=True, wrong_key=True)
    failed = issuance.advance(start().state, ca, NOW)
    assert failed.state.status is IssueStatus.FAILED
    assert "does not carry our key" in failed.state.error


def test_steps_are_bounded():
    state = start().state
    state = IssueState.from_record({**state.to_record(), "steps": issuance.MAX_STEPS})
    failed = issuance.advance(state, FakeAcme(), NOW)
    assert failed.state.status is IssueStatus.FAILED


def test_the_record_round_trips():
    ca = FakeAcme()
    placed = issuance.advance(start(names=("example.com", "*.example.com"), dns_delegations={
        "_acme-challenge.example.com": "x.acme.zone.test"}, profile="shortlived").state, ca, NOW)
    assert persisted(placed.state) == placed.state
    assert all(isinstance(v, str | int | list | dict | type(None)) for v in placed.state.to_record().values())


def test_requeue_is_the_last_effect():
    placed = issuance.advance(start(names=("example.com", "*.example.com")).state, FakeAcme(), NOW)
    assert isinstance(placed.effects[-1], Requeue)


def test_dns_delegation_names():
    assert issuance.validation_name("*.example.com") == "_acme-challenge.example.com"
    assert issuance.delegation_target("Cert-42", "Zone.Example.") == "cert-42.acme.zone.example"
    with pytest.raises(ValueError, match="one DNS label"):
        issuance.delegation_target("a.b", "zone.example")
    assert issuance.expected_delegations(["a.example.com", "*.a.example.com", "10.0.0.1"], "c9", "z.test") == {
        "_acme-challenge.a.example.com": "c9.acme.z.test"}
