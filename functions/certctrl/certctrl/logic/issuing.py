"""Issuing a certificate: from the user's own CA at once, or from an ACME CA through the state machine of
logic/issuance.py, one step per `issue.advance` message (docs/certctrl-certificates.md §2 and §8).

* `start()`: `POST .../certificates/{id}/issues`. SELF_CA accounts and CA-issued certificates get their leaf now
  (the answer is the certificate); ACME issues are stored (state + the sealed pending key, the certificate marked
  ISSUING in the same transaction) and their first message sent (204).
* `advance()`: the worker's loop. Load the issue (terminal: only make sure every device is wrapped), advance it
  with a fresh ACME client, perform the effects (Route 53 TXT records, the HTTP-01 item and the `acme.http01.*`
  signals), then save on the loaded revision (a lost race drops the message) and send the next message with the
  step's delay. A `CertificateIssued` step installs the certificate and ends the issue in one transaction.
* `upload()`: `PUT .../issue-result`, a worker outside uploading what it got (or its failure).
* `renew()`: the `cert.renew` job queued by the sweep (ARI may move the window: then only the plan changes).
"""

from __future__ import annotations

from typing import Any

from certctrl import clock, config
from certctrl.errors import NoKid
from certctrl.logic import acme_accounts, agent_commands, delivery, issuance, pki, private_ca, renewal
from certctrl.logic.issuance import (
    CertificateIssued,
    IssueState,
    IssueStatus,
    PublishDnsTxt,
    ServeHttp01,
    StorePendingKey,
    WithdrawDnsTxt,
    WithdrawHttp01,
)
from certctrl.models.entities import AcmeAccount, CaRecord, CertificateRecord, Issue
from certctrl.providers import acme
from certctrl.store import certificates, challenges, counters, dns, issues, jobs
from certctrl.store.key_vault import vault
from suite import observability
from suite.errors import BadRequest, Conflict, NotFound, ServiceUnavailable
from suite.outbound import ProviderError

DEFAULT_LEAF_SECONDS = 90 * 86400
TERMINAL = ("SUCCESS", "FAILED")


def key_spec(record: CertificateRecord) -> pki.KeySpec:
    return pki.key_spec(record.key_algorithm, record.key_size, record.curve_name)


def subject(record: CertificateRecord) -> pki.Subject:
    return pki.Subject.from_fields(organization=record.organization, organizational_unit=record.organizational_unit,
                                   country=record.country, state=record.state, locality=record.locality)


def delegations(record: CertificateRecord) -> dict[str, str]:
    """`_acme-challenge.<name>` → `<cert_key>.acme.<zone>` for every DNS name: the CNAMEs verify_domain checks and
    where DNS-01 TXT records are written."""
    names = [n.value for n in pki.identifiers(record.domain_name, record.sans or [])]
    return issuance.expected_delegations(names, str(record.cert_key), config.get().acme_dns_zone)


def acme_client(account: AcmeAccount) -> acme.AcmeClient:
    settings = config.get()
    endpoint = acme.endpoint_for(account.provider, account.directory_url, configured=settings.acme_directories,
                                 ca_bundle=settings.acme_ca_bundle)
    pem = vault().open_account_key(str(account.account_key), user_id=int(account.user_id), account_id=int(account.id))
    return acme.AcmeClient(endpoint, pem, kid=account.kid)


def message(record: CertificateRecord, issue_id: int) -> dict[str, Any]:
    return {"kind": "issue.advance", "user_id": int(record.user_id), "cert_id": int(record.id), "issue_id": issue_id}


def _new_issue(record: CertificateRecord, issue_id: int, *, kind: str, status: str, now: int) -> Issue:
    return Issue(issues.partition(int(record.id)), issues.issue_sk(issue_id), id=issue_id, cert_id=int(record.id),
                 user_id=int(record.user_id), issue_attempt_number=int(record.issue_count or 0) + 1, kind=kind,
                 status=status, started_at=now, completed_at=0, revision=0)


def history_view(issue: Issue) -> dict[str, Any]:
    """The notes' history fields (epoch seconds; completed_at 0 while running)."""
    return {"id": int(issue.id), "cert_record_id": int(issue.cert_id),
            "issue_attempt_number": int(issue.issue_attempt_number), "status": issue.status,
            "acme_order_id": issue.acme_order_id, "error_message": issue.error_message,
            "started_at": int(issue.started_at), "completed_at": int(issue.completed_at or 0), "kind": issue.kind,
            "serial_number": issue.serial_number}


# ------------------------------------------------------------------------------------------------------ start

def account_of(record: CertificateRecord) -> AcmeAccount | None:
    return certificates.account(int(record.user_id), int(record.acct_id)) if record.acct_id else None


def start(record: CertificateRecord, *, validity_seconds: int | None = None, kind: str = "issue"
          ) -> CertificateRecord | None:
    """Issue (or renew) `record`. The installed certificate when it was issued at once (a private CA), None when
    an ACME issue was started (it continues through the queue)."""
    account = account_of(record)
    if record.acct_id and account is None:
        raise BadRequest("the certificate's ACME account no longer exists")
    if account is not None and account.provider == acme_accounts.SELF_CA:
        ca_id = int(account.ca_id) if account.ca_id else None
        seconds = validity_seconds or (int(account.cert_valid_seconds) if account.cert_valid_seconds else None)
        return issue_from_ca(record, ca_id, validity_seconds=seconds, kind=kind)
    if account is None:
        if record.ca_id:
            return issue_from_ca(record, int(record.ca_id), validity_seconds=validity_seconds, kind=kind)
        raise BadRequest("the certificate has no ACME account (acct_id) to issue it with")
    try:
        acme_accounts.require_kid({"provider": account.provider, "kid": account.kid})
    except acme_accounts.AccountRuleError as exc:
        raise NoKid(exc.what) from None
    now = clock.epoch()
    expected = _current_issue(record, now)
    issue_id = counters.next_id("issue")
    try:
        step = issuance.start_issue(issue_id=str(issue_id), cert_id=str(int(record.id)),
                                    domain_name=record.domain_name, sans=list(record.sans or []),
                                    key=key_spec(record), subject=subject(record),
                                    challenge_type=record.challenge_type or acme.DNS01, now=now,
                                    dns_delegations=delegations(record))
    except (pki.PkiError, ValueError) as exc:
        raise BadRequest(str(exc)) from None
    pending_pem = step.of_type(StorePendingKey)[0].private_key_pem
    issue = _new_issue(record, issue_id, kind=kind, status=step.state.status.value, now=now)
    issue.machine = step.state.to_record()
    issue.revision = step.state.revision
    issue.pending_key = vault().seal_pending_key(pending_pem, user_id=int(record.user_id), cert_id=int(record.id),
                                                 issue_id=issue_id)
    if not issues.start(issue, user_id=int(record.user_id), cert_id=int(record.id), expected_current=expected,
                        now_ms=clock.epoch_ms()):
        raise Conflict("Another issue of this certificate was started meanwhile", code="409")
    try:
        jobs.send(message(record, issue_id), delay_seconds=step.requeue or 0)
    except Exception:
        _fail(issue, record, "the issue could not be queued", revision=int(issue.revision))
        raise ServiceUnavailable("The issue could not be queued; try again", code="503") from None
    return None


def _current_issue(record: CertificateRecord, now: int) -> int | None:
    """The current issue id to replace (None: no current issue). 409 while it is still running; an issue past its
    deadline (its messages were lost) no longer holds the certificate."""
    if not record.current_issue_id:
        return None
    current = issues.get(int(record.id), int(record.current_issue_id))
    if current is not None and current.status not in TERMINAL:
        deadline = int((current.machine or {}).get("deadline", 0)) if isinstance(current.machine, dict) else 0
        if deadline > now:
            raise Conflict("An issue of this certificate is running; wait for it (GET .../issues)", code="409")
        _fail(current, record, "the issue stopped before its deadline", revision=int(current.revision))
    return int(record.current_issue_id)


def issue_from_ca(record: CertificateRecord, ca_id: int | None, *, validity_seconds: int | None,
                  kind: str = "issue") -> CertificateRecord:
    """A leaf from the user's own CA, installed at once (with its issue row and every device's wrap)."""
    ca = certificates.ca(int(record.user_id), ca_id) if ca_id else None
    if ca is None:
        raise BadRequest("the certificate's CA does not exist")
    if ca.status != "ACTIVE":
        raise Conflict("the CA is disabled", code="409")
    seconds = validity_seconds or (int(record.validity_seconds) if record.validity_seconds else DEFAULT_LEAF_SECONDS)
    try:
        leaf = private_ca.issue_leaf(issuer(ca), private_ca.LeafRequest(
            domain_name=record.domain_name, sans=tuple(record.sans or ()), validity_seconds=seconds,
            key=key_spec(record), subject=subject(record)), now=clock.now())
    except pki.PkiError as exc:
        raise BadRequest(str(exc)) from None
    now = clock.epoch()
    issue = _new_issue(record, counters.next_id("issue"), kind=kind, status="SUCCESS", now=now)
    issue.completed_at = now
    issue.serial_number = leaf.serial_number
    installed = delivery.install(record, private_key=leaf.private_key_pem or b"", fullchain_pem=leaf.fullchain_pem,
                                 issue=issue)
    if installed is None:
        raise Conflict("The certificate changed meanwhile; try again", code="409")
    certificates.ca_used(ca, now_ms=clock.epoch_ms())
    return installed


def issuer(ca: CaRecord) -> private_ca.Issuer:
    key = vault().open_ca_key(str(ca.private_key), user_id=int(ca.user_id), ca_id=int(ca.id))
    return private_ca.Issuer(ca.ca_certificate_pem.encode("ascii"), key, (ca.chain_pem or "").encode("ascii"))


def _fail(issue: Issue, record: CertificateRecord, error: str, *, revision: int) -> None:
    now = clock.epoch()
    if issues.save(issue, {"status": "FAILED", "error_message": error[:500], "completed_at": now,
                           "revision": revision + 1}, expected_revision=revision, remove=("pending_key",)):
        issues.release(int(record.user_id), int(record.id), issue_id=int(issue.id), now_ms=clock.epoch_ms(),
                       status="ISSUED" if record.serial_number else "FAILED")


# ---------------------------------------------------------------------------------------------------- the worker

def advance(user_id: int, cert_id: int, issue_id: int) -> None:
    """One `issue.advance` message (safe to repeat: see the module docstring)."""
    loaded = _load(user_id, cert_id, issue_id)
    if loaded is None:
        return
    record, account, issue = loaded
    try:
        client = acme_client(account)
    except (ProviderError, ValueError) as exc:  # a directory no longer allowed, an unreadable account key
        _fail(issue, record, f"the ACME account cannot be used: {exc}", revision=int(issue.revision))
        return
    now = clock.epoch()
    step = issuance.advance(IssueState.from_record(issue.machine), client, now)
    for effect in step.effects:
        _perform(effect, record, now)
    issued = step.of_type(CertificateIssued)
    if issued:
        _install(record, account, issue, step.state, issued=issued[0], client=client)
    else:
        _save_step(record, issue, step, now)


def _load(user_id: int, cert_id: int, issue_id: int) -> tuple[CertificateRecord, AcmeAccount, Issue] | None:
    """The issue with its certificate and account, or None when there is nothing (more) to do."""
    issue = issues.get(cert_id, issue_id)
    if issue is None:
        return None
    record = certificates.certificate(user_id, cert_id)
    if issue.status in TERMINAL:
        if issue.status == "SUCCESS" and record is not None:
            delivery.rewrap(record)  # a crash between the install and the last device's wrap
        return None
    if record is None:
        _fail(issue, _Gone(user_id, cert_id), "the certificate was deleted", revision=int(issue.revision))
        return None
    account = account_of(record)
    if account is None or not account.kid:
        _fail(issue, record, "the certificate's ACME account is gone", revision=int(issue.revision))
        return None
    return record, account, issue


def _save_step(record: CertificateRecord, issue: Issue, step: issuance.Step, now: int) -> None:
    fields: dict[str, Any] = {"status": step.state.status.value, "machine": step.state.to_record(),
                              "revision": step.state.revision}
    if step.state.order_url:
        fields["acme_order_id"] = step.state.order_url
    if step.state.error:
        fields["error_message"] = step.state.error
    failed = step.state.status is IssueStatus.FAILED
    if failed:
        fields["completed_at"] = step.state.completed_at or now
    if not issues.save(issue, fields, expected_revision=int(issue.revision),
                       remove=("pending_key",) if failed else ()):
        return  # another delivery of this message moved the issue first
    if failed:
        issues.release(int(record.user_id), int(record.id), issue_id=int(issue.id), now_ms=clock.epoch_ms(),
                       status="ISSUED" if record.serial_number else "FAILED")
        observability.logger().info("issue failed", extra={"cert_id": int(record.id), "issue_id": int(issue.id),
                                                           "error": step.state.error})
    elif step.requeue is not None:
        jobs.send(message(record, int(issue.id)), delay_seconds=step.requeue)


class _Gone:
    """Stands in for a deleted certificate when its issue is failed."""

    def __init__(self, user_id: int, cert_id: int) -> None:
        self.user_id, self.id, self.serial_number = user_id, cert_id, None


def _install(record: CertificateRecord, account: AcmeAccount, issue: Issue, state: IssueState, *,
             issued: CertificateIssued, client: acme.AcmeClient) -> None:
    pem = vault().open_pending_key(str(issue.pending_key), user_id=int(record.user_id), cert_id=int(record.id),
                                   issue_id=int(issue.id))
    window = None
    if account.renewal_info and record.auto_renew:
        try:
            window = client.renewal_info(issued.fullchain_pem)
        except ProviderError:
            window = None  # the lifetime rule then
    fields = {"status": "SUCCESS", "machine": state.to_record(), "revision": state.revision,
              "completed_at": state.completed_at or clock.epoch(), "acme_order_id": state.order_url}
    delivery.install(record, private_key=pem, fullchain_pem=issued.fullchain_pem, issue=issue, issue_fields=fields,
                     expected_revision=int(issue.revision), ari=window)


def _perform(effect: Any, record: CertificateRecord, now: int) -> None:
    if isinstance(effect, PublishDnsTxt):
        if dns.in_zone(effect.record_name):
            dns.publish_txt(effect.record_name, effect.values)
        else:
            observability.logger().warning("DNS-01 record outside our zone", extra={"cert_id": int(record.id)})
    elif isinstance(effect, WithdrawDnsTxt):
        if dns.in_zone(effect.record_name):
            dns.withdraw_txt(effect.record_name, effect.values)
    elif isinstance(effect, ServeHttp01):
        challenges.put(effect.token, effect.key_authorization, cert_id=int(record.id), identifier=effect.identifier,
                       expires_at=effect.expires_at)
        ttl = max(effect.expires_at - now, 1)
        ref = agent_commands.http01_start_ref(effect.token, effect.key_authorization, ttl)
        agent_commands.send(record, "acme.http01.start", ref, live_seconds=ttl)
    elif isinstance(effect, WithdrawHttp01):
        challenges.delete(effect.token)
        agent_commands.send(record, "acme.http01.stop", {"challenge_id": effect.token}, live_seconds=300)


# ------------------------------------------------------------------------------------------------ upload

def upload(record: CertificateRecord, *, status: str, issue_id: int | None, fullchain_pem: str | None,
           private_key_pem: str | None, error_message: str | None) -> Issue:
    """`PUT .../issue-result`: what an outside worker got for this certificate. SUCCESS installs it (the key from
    the body, else the running issue's pending key); FAILED ends the running issue. Returns the issue row."""
    running = issues.get(int(record.id), issue_id) if issue_id else None
    if issue_id and running is None:
        raise NotFound("Issue not found", code="404")
    if running is not None and running.status in TERMINAL:
        raise Conflict(f"The issue already ended ({running.status})", code="409")
    if status == "FAILED":
        if running is None:
            raise BadRequest("issue_id: a FAILED result names the running issue it ends")
        _fail(running, record, error_message or "failed (reported by the worker)", revision=int(running.revision))
        return issues.get(int(record.id), int(running.id)) or running
    key, info = _uploaded(record, running, fullchain_pem, private_key_pem)
    now = clock.epoch()
    try:
        if running is not None:
            fields = {"status": "SUCCESS", "completed_at": now, "revision": int(running.revision) + 1}
            installed = delivery.install(record, private_key=key, fullchain_pem=str(fullchain_pem), issue=running,
                                         issue_fields=fields, expected_revision=int(running.revision))
            issue_row = running
        else:
            issue_row = _new_issue(record, counters.next_id("issue"), kind="upload", status="SUCCESS", now=now)
            issue_row.completed_at = now
            issue_row.serial_number = private_ca.format_leaf_serial(int(info.serial_hex, 16))
            installed = delivery.install(record, private_key=key, fullchain_pem=str(fullchain_pem), issue=issue_row)
    except pki.PkiError as exc:
        raise BadRequest(str(exc)) from None
    if installed is None:
        raise Conflict("The certificate or the issue changed meanwhile; try again", code="409")
    return issues.get(int(record.id), int(issue_row.id)) or issue_row


def _uploaded(record: CertificateRecord, running: Issue | None, fullchain_pem: str | None,
              private_key_pem: str | None) -> tuple[bytes, pki.CertificateInfo]:
    """The uploaded chain's facts and its key (from the body, else the running issue's), checked."""
    if not fullchain_pem:
        raise BadRequest("fullchain_pem (or certificate_pem) is required for a SUCCESS result")
    if not fullchain_pem.isascii() or not (private_key_pem or "").isascii():
        raise BadRequest("PEM texts are ASCII")
    if private_key_pem:
        key: bytes = private_key_pem.encode("ascii")
    elif running is not None and running.pending_key:
        key = vault().open_pending_key(str(running.pending_key), user_id=int(record.user_id), cert_id=int(record.id),
                                       issue_id=int(running.id))
    else:
        raise BadRequest("private_key_pem is required (no running issue holds the key)")
    try:
        info = pki.certificate_info(pki.split_chain(fullchain_pem).leaf())
        pki.load_private_key(key)
    except pki.PkiError as exc:
        raise BadRequest(str(exc)) from None
    missing = {n.value for n in pki.identifiers(record.domain_name, record.sans or [])} - set(info.names)
    if missing:
        raise BadRequest(f"the certificate lacks {', '.join(sorted(missing))}")
    return key, info


# ------------------------------------------------------------------------------------------------ renewals

def renew(user_id: int, cert_id: int, window_key: str) -> None:
    """A `cert.renew` job: renew unless it was renewed since, is being issued, or ARI moved the window."""
    record = certificates.certificate(user_id, cert_id)
    if record is None or not record.auto_renew or not record.serial_number:
        return
    if not window_key.startswith(f"{cert_id}#{delivery.serial_hex(record)}#"):
        return  # renewed since the sweep
    account = account_of(record)
    now = clock.epoch()
    if account is not None and account.provider != acme_accounts.SELF_CA and account.renewal_info:
        try:
            window = acme_client(account).renewal_info(delivery.full_chain(record))
        except ProviderError:
            window = None
        if window is not None:
            plan = renewal.plan_renewal(cert_id=str(cert_id), serial_hex=delivery.serial_hex(record),
                                        not_before=int(record.not_before), not_after=int(record.not_after), now=now,
                                        ari=window)
            if plan.renew_after > now + 60:
                certificates.update_certificate(record, [
                    CertificateRecord.renew_after.set(plan.renew_after),
                    CertificateRecord.renew_window_start.set(plan.window_start),
                    CertificateRecord.renew_window_end.set(plan.window_end),
                    CertificateRecord.renew_source.set(plan.source)])
                return
    try:
        start(record, kind="renew")
    except (Conflict, BadRequest, NoKid) as exc:
        observability.logger().info("renewal not started", extra={"cert_id": cert_id, "reason": exc.message})
