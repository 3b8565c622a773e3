"""The ACME issuance state machine, as pure logic: one step per queue message, no AWS.

    PENDING ──► CHALLENGES_SET ──► VALIDATING ──► FINALIZING ──► SUCCESS
       │               │                │               │
       └───────────────┴────────────────┴───────────────┴──────► FAILED   (CA refusal, invalid authz, deadline)

`start_issue()` makes the key and the CSR and returns the first `Step`; `advance(state, acme, now)` takes the
state as it was persisted and returns the next `Step`: the new state and the side effects the worker performs.
The ACME calls happen inside `advance` through the `AcmePort` it is given (`providers.acme.AcmeClient`, or a fake in
tests); everything that touches AWS is returned as an effect:

* `StorePendingKey(pem)`: seal the new private key on the issue record (store/key_vault, field "pending_key");
* `PublishDnsTxt(record, values)` / `WithdrawDnsTxt(record, values)`: UPSERT / remove TXT values (Route 53);
* `ServeHttp01(token, key_authorization, identifier, expires_at)` / `WithdrawHttp01(token)`: the item our
  `/.well-known/acme-challenge/{token}` route answers from, and the `acme.http01.start|stop` signal for agents that
  serve the challenge themselves;
* `CertificateIssued(fullchain_pem, ...)`: terminal success: install on the certificate record, re-wrap for every
  device, history row, `cert.updated`;
* `IssueFailed(message)`: terminal failure: history row with the message;
* `Requeue(delay_seconds)`: send this issue's message again after `delay_seconds` (≤ 900, SQS's maximum).

The worker's loop (idempotent end to end):

    1. load the issue; if its status is terminal, drop the message;
    2. step = advance(state, acme_client, now)
    3. perform every effect except Requeue (all are UPSERT/put/delete: safe to repeat);
    4. save step.state with a condition on the revision it loaded (`state.revision`); a lost race drops the message;
    5. if the save succeeded and step.requeue is not None, send the message with DelaySeconds=step.requeue.

Each step is safe to run twice from the same persisted state: challenges are answered only while the CA still
shows them `pending`, finalization only while the order is `ready`, and terminal states return no effects. A
crash between the CA call and the save repeats at most one CA call (a PENDING step repeated makes one more order,
which the CA lets expire). Every step is bounded by `state.deadline`: the order's `expires`, and never more than
`max_seconds` after the start; past it the issue fails and its challenges are withdrawn.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from cryptography import x509

from certctrl.logic import pki
from certctrl.providers.acme import (
    DNS01,
    HTTP01,
    SUPPORTED_CHALLENGES,
    AuthorizationView,
    ChallengeView,
    NewOrder,
    OrderView,
)
from suite.outbound import ProviderError

MAX_DELAY = 900  # SQS DelaySeconds
DEFAULT_MAX_SECONDS = 6 * 3600  # an issue never runs longer than this, whatever the order's expiry
MAX_STEPS = 400
DNS_PROPAGATION_DELAY = 20  # seconds between publishing TXT records and answering the challenges
HTTP_PUBLISH_DELAY = 1
FIRST_POLL_DELAY = 3
MAX_POLL_DELAY = 300
MAX_RETRIES = 8  # consecutive retryable CA failures before the issue gives up


class IssueStatus(enum.StrEnum):
    PENDING = "PENDING"
    CHALLENGES_SET = "CHALLENGES_SET"
    VALIDATING = "VALIDATING"
    FINALIZING = "FINALIZING"
    DONE = "SUCCESS"
    FAILED = "FAILED"

    @property
    def terminal(self) -> bool:
        return self in (IssueStatus.DONE, IssueStatus.FAILED)


class AcmePort(Protocol):
    """What the state machine needs from an ACME client (providers.acme.AcmeClient satisfies it)."""

    def new_order(self, csr_pem: bytes | str, *, profile: str | None = None) -> NewOrder: ...
    def order(self, url: str) -> OrderView: ...
    def authorization(self, url: str) -> AuthorizationView: ...
    def answer(self, challenge: ChallengeView) -> ChallengeView: ...
    def finalize(self, order: OrderView, csr_pem: bytes | str) -> OrderView: ...
    def certificate(self, url: str) -> str: ...
    def key_authorization(self, token: str) -> str: ...
    def dns01_value(self, token: str) -> str: ...


# ---------------------------------------------------------------------------------------------------------------
# Effects
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StorePendingKey:
    private_key_pem: bytes = field(repr=False)


@dataclass(frozen=True)
class PublishDnsTxt:
    record_name: str  # FQDN without the trailing dot
    values: tuple[str, ...]


@dataclass(frozen=True)
class WithdrawDnsTxt:
    record_name: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class ServeHttp01:
    token: str
    key_authorization: str
    identifier: str
    expires_at: int


@dataclass(frozen=True)
class WithdrawHttp01:
    token: str


@dataclass(frozen=True)
class CertificateIssued:
    fullchain_pem: str
    serial_hex: str
    not_before: int
    not_after: int


@dataclass(frozen=True)
class IssueFailed:
    message: str


@dataclass(frozen=True)
class Requeue:
    delay_seconds: int


Effect = (StorePendingKey | PublishDnsTxt | WithdrawDnsTxt | ServeHttp01 | WithdrawHttp01 | CertificateIssued
          | IssueFailed | Requeue)


# ---------------------------------------------------------------------------------------------------------------
# State
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Challenge:
    """One challenge we chose for one authorization, with what must be published for it."""

    authorization_url: str
    identifier: str  # the authorization's name (a wildcard's base name)
    wildcard: bool
    type: str  # http-01 | dns-01
    url: str
    token: str
    key_authorization: str
    dns_name: str = ""  # "_acme-challenge.<identifier>" (dns-01)
    dns_value: str = ""  # the TXT value (dns-01)
    record_name: str = ""  # where the TXT value is written: the CNAME target, or dns_name itself
    answered: bool = False


@dataclass(frozen=True)
class IssueState:
    """Everything the machine needs between two messages. `to_record()` / `from_record()` give the JSON-safe form
    the store keeps on the issue item (next to the sealed pending key, which is not part of the state)."""

    issue_id: str
    cert_id: str
    status: IssueStatus
    names: tuple[str, ...]
    challenge_type: str  # preferred type; wildcards always use dns-01
    csr_pem: str
    started_at: int
    deadline: int
    dns_delegations: Mapping[str, str] = field(default_factory=dict)  # "_acme-challenge.x" → TXT record name
    profile: str | None = None
    order_url: str = ""
    finalize_url: str = ""
    order_expires: int | None = None
    challenges: tuple[Challenge, ...] = ()
    certificate_url: str = ""
    revision: int = 0  # bumped by every step: the store saves on "revision = loaded revision"
    steps: int = 0
    polls: int = 0  # polls in the current status (drives the backoff)
    retries: int = 0  # consecutive retryable CA failures
    error: str = ""
    completed_at: int = 0

    def to_record(self) -> dict[str, Any]:
        return {
            "issue_id": self.issue_id,
            "cert_id": self.cert_id,
            "status": self.status.value,
            "names": list(self.names),
            "challenge_type": self.challenge_type,
            "csr_pem": self.csr_pem,
            "started_at": self.started_at,
            "deadline": self.deadline,
            "dns_delegations": dict(self.dns_delegations),
            "profile": self.profile,
            "order_url": self.order_url,
            "finalize_url": self.finalize_url,
            "order_expires": self.order_expires,
            "challenges": [vars(c).copy() for c in self.challenges],
            "certificate_url": self.certificate_url,
            "revision": self.revision,
            "steps": self.steps,
            "polls": self.polls,
            "retries": self.retries,
            "error": self.error,
            "completed_at": self.completed_at,
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> IssueState:
        def num(name: str, default: int | None = 0) -> int | None:
            value = record.get(name, default)
            return None if value is None else int(value)

        return cls(
            issue_id=str(record["issue_id"]),
            cert_id=str(record["cert_id"]),
            status=IssueStatus(record["status"]),
            names=tuple(record["names"]),
            challenge_type=str(record["challenge_type"]),
            csr_pem=str(record["csr_pem"]),
            started_at=int(record["started_at"]),
            deadline=int(record["deadline"]),
            dns_delegations={str(k): str(v) for k, v in (record.get("dns_delegations") or {}).items()},
            profile=record.get("profile") or None,
            order_url=str(record.get("order_url") or ""),
            finalize_url=str(record.get("finalize_url") or ""),
            order_expires=num("order_expires", None),
            challenges=tuple(Challenge(**{k: (bool(v) if k in ("wildcard", "answered") else str(v))
                                          for k, v in c.items()}) for c in record.get("challenges") or ()),
            certificate_url=str(record.get("certificate_url") or ""),
            revision=int(num("revision") or 0),
            steps=int(num("steps") or 0),
            polls=int(num("polls") or 0),
            retries=int(num("retries") or 0),
            error=str(record.get("error") or ""),
            completed_at=int(num("completed_at") or 0),
        )


@dataclass(frozen=True)
class Step:
    state: IssueState
    effects: tuple[Effect, ...] = ()

    @property
    def requeue(self) -> int | None:
        """Seconds to wait before the next message, or None when the issue needs no further message."""
        return next((e.delay_seconds for e in self.effects if isinstance(e, Requeue)), None)

    def of_type[E](self, kind: type[E]) -> list[E]:
        return [e for e in self.effects if isinstance(e, kind)]


# ---------------------------------------------------------------------------------------------------------------
# DNS-01 names and delegation
# ---------------------------------------------------------------------------------------------------------------


def validation_name(identifier: str) -> str:
    """`_acme-challenge.<name>` (a wildcard's record is its base name's)."""
    base = identifier[2:] if identifier.startswith("*.") else identifier
    return f"_acme-challenge.{base}"


_ID_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def delegation_target(cert_key: str, zone: str) -> str:
    """Where a certificate's TXT records live in our zone: `<cert_key>.acme.<zone>`. Users delegate with
    `_acme-challenge.<each name>  CNAME  <cert_key>.acme.<zone>` (what `verify_domain` checks)."""
    label = cert_key.strip().lower()
    if not _ID_LABEL.fullmatch(label):
        raise ValueError("the certificate key must be one DNS label (a-z, 0-9, '-')")
    return f"{label}.acme.{zone.strip().strip('.').lower()}"


def expected_delegations(names: Iterable[str], cert_key: str, zone: str) -> dict[str, str]:
    """{"_acme-challenge.<name>": "<cert_key>.acme.<zone>"} for every DNS name of a certificate."""
    target = delegation_target(cert_key, zone)
    return {validation_name(n): target for n in names if not _is_ip(n)}


def _is_ip(name: str) -> bool:
    try:
        return pki.identifier(name).kind == "ip"
    except pki.PkiError:
        return False


# ---------------------------------------------------------------------------------------------------------------
# Starting an issue
# ---------------------------------------------------------------------------------------------------------------


def start_issue(*, issue_id: str, cert_id: str, domain_name: str, sans: Iterable[str] = (),
                key: pki.KeySpec = pki.DEFAULT_KEY, subject: pki.Subject = pki.NO_SUBJECT,
                challenge_type: str = DNS01, now: int, dns_delegations: Mapping[str, str] | None = None,
                profile: str | None = None, max_seconds: int = DEFAULT_MAX_SECONDS) -> Step:
    """A new issue (first issuance or renewal): a fresh key and its CSR, state PENDING, first message now."""
    if challenge_type not in SUPPORTED_CHALLENGES:
        raise ValueError(f"challenge_type must be one of {', '.join(SUPPORTED_CHALLENGES)}")
    names = pki.identifiers(domain_name, sans)
    private_key = pki.generate_private_key(key)
    csr = pki.build_csr(private_key, names, subject)
    state = IssueState(
        issue_id=issue_id,
        cert_id=cert_id,
        status=IssueStatus.PENDING,
        names=tuple(n.value for n in names),
        challenge_type=challenge_type,
        csr_pem=csr.decode("ascii"),
        started_at=now,
        deadline=now + max_seconds,
        dns_delegations=dict(dns_delegations or {}),
        profile=profile,
    )
    return Step(state, (StorePendingKey(pki.private_key_pem(private_key)), Requeue(0)))


# ---------------------------------------------------------------------------------------------------------------
# Advancing
# ---------------------------------------------------------------------------------------------------------------


def advance(state: IssueState, acme: AcmePort, now: int) -> Step:
    """The next step from the persisted `state`. Raises only for bugs; CA failures become states."""
    if state.status.terminal:
        return Step(state)
    moving = replace(state, revision=state.revision + 1, steps=state.steps + 1)
    if now >= state.deadline:
        return _fail(moving, now, "the order expired before the certificate was issued")
    if state.steps >= MAX_STEPS:
        return _fail(moving, now, "too many steps without completing the order")
    try:
        if state.status is IssueStatus.PENDING:
            step = _place_order(moving, acme, now)
        elif state.status is IssueStatus.CHALLENGES_SET:
            step = _answer_challenges(moving, acme, now)
        elif state.status is IssueStatus.VALIDATING:
            step = _check_validation(moving, acme, now)
        else:
            step = _finalize(moving, acme, now)
    except ProviderError as exc:
        if not exc.retryable or state.retries + 1 >= MAX_RETRIES:
            return _fail(moving, now, exc.message)
        delay = _clamp(exc.retry_after if exc.retry_after is not None else _backoff(state.retries), state, now)
        return Step(replace(moving, retries=state.retries + 1, error=exc.message), (Requeue(delay),))
    if step.state.status is not IssueStatus.FAILED and step.state.retries:
        step = replace(step, state=replace(step.state, retries=0, error=""))
    return step


def _place_order(state: IssueState, acme: AcmePort, now: int) -> Step:
    placed = acme.new_order(state.csr_pem, profile=state.profile)
    order = placed.order
    deadline = min(state.deadline, order.expires) if order.expires else state.deadline
    state = replace(state, order_url=order.url, finalize_url=order.finalize_url, order_expires=order.expires,
                    deadline=deadline, polls=0)
    if order.status == "invalid":
        return _fail(state, now, f"the CA refused the order: {order.error or 'invalid'}")
    chosen: list[Challenge] = []
    for authz in placed.authorizations:
        if authz.status == "valid":
            continue  # reused authorization: nothing to prove
        if authz.status != "pending":
            return _fail(state, now, f"authorization for {authz.identifier} is {authz.status}"
                         + (f": {authz.error}" if authz.error else ""))
        challenge = _choose(authz, state.challenge_type)
        if challenge is None:
            return _fail(state, now, f"no supported challenge (http-01/dns-01) for {authz.identifier}")
        chosen.append(_challenge(state, acme, authz, challenge))
    if not chosen:  # every authorization was already valid
        return _check_validation(replace(state, status=IssueStatus.VALIDATING), acme, now)
    state = replace(state, status=IssueStatus.CHALLENGES_SET, challenges=tuple(chosen))
    has_dns = any(c.type == DNS01 for c in chosen)
    delay = _clamp(DNS_PROPAGATION_DELAY if has_dns else HTTP_PUBLISH_DELAY, state, now)
    return Step(state, (*_publish(state), Requeue(delay)))


def _choose(authz: AuthorizationView, preferred: str) -> ChallengeView | None:
    order = [DNS01] if authz.wildcard else [preferred, *(t for t in SUPPORTED_CHALLENGES if t != preferred)]
    for kind in order:
        found = authz.challenge(kind)
        if found is not None and found.token:
            return found
    return None


def _challenge(state: IssueState, acme: AcmePort, authz: AuthorizationView, chall: ChallengeView) -> Challenge:
    token = chall.token or ""
    key_authz = acme.key_authorization(token)
    if chall.type == DNS01:
        name = validation_name(authz.identifier)
        return Challenge(authz.url, authz.identifier, authz.wildcard, chall.type, chall.url, token, key_authz,
                         dns_name=name, dns_value=acme.dns01_value(token),
                         record_name=state.dns_delegations.get(name, name))
    return Challenge(authz.url, authz.identifier, authz.wildcard, chall.type, chall.url, token, key_authz)


def _publish(state: IssueState) -> list[Effect]:
    effects: list[Effect] = []
    for record, values in _txt_records(state.challenges).items():
        effects.append(PublishDnsTxt(record, values))
    for c in state.challenges:
        if c.type == HTTP01:
            effects.append(ServeHttp01(c.token, c.key_authorization, c.identifier, state.deadline))
    return effects


def _withdraw(state: IssueState) -> list[Effect]:
    records = _txt_records(state.challenges)
    effects: list[Effect] = [WithdrawDnsTxt(record, values) for record, values in records.items()]
    effects += [WithdrawHttp01(c.token) for c in state.challenges if c.type == HTTP01]
    return effects


def _txt_records(challenges: Iterable[Challenge]) -> dict[str, tuple[str, ...]]:
    records: dict[str, list[str]] = {}
    for c in challenges:
        if c.type == DNS01 and c.dns_value not in records.setdefault(c.record_name, []):
            records[c.record_name].append(c.dns_value)
    return {name: tuple(values) for name, values in records.items()}


def _answer_challenges(state: IssueState, acme: AcmePort, now: int) -> Step:
    updated: list[Challenge] = []
    for c in state.challenges:
        if c.answered:
            updated.append(c)
            continue
        authz = acme.authorization(c.authorization_url)
        if authz.status in ("invalid", "deactivated", "expired", "revoked"):
            return _fail(state, now, f"authorization for {authz.identifier} is {authz.status}"
                         + (f": {authz.error}" if authz.error else ""))
        current = next((x for x in authz.challenges if x.url == c.url), None)
        if authz.status == "pending" and current is not None and current.status == "pending":
            try:
                acme.answer(current)
            except ProviderError as exc:
                if exc.retryable:
                    raise
                # Another worker may have answered first; the CA then no longer shows it pending.
                again = acme.authorization(c.authorization_url)
                latest = next((x for x in again.challenges if x.url == c.url), None)
                if latest is None or latest.status == "pending":
                    raise
        updated.append(replace(c, answered=True))
    state = replace(state, status=IssueStatus.VALIDATING, challenges=tuple(updated), polls=0)
    return Step(state, (Requeue(_clamp(FIRST_POLL_DELAY, state, now)),))


def _check_validation(state: IssueState, acme: AcmePort, now: int) -> Step:
    order = acme.order(state.order_url)
    if order.status == "pending":  # the CA is still validating (an invalid authorization makes the order invalid)
        delay = order.retry_after if order.retry_after else _backoff(state.polls)
        return Step(replace(state, polls=state.polls + 1), (Requeue(_clamp(delay, state, now)),))
    if order.status == "invalid":
        return _fail(state, now, _failed_authorization(state, acme, order) or
                     f"the order became invalid: {order.error or 'no reason given'}")
    # ready, processing or valid: the challenges are done with
    cleanup = _withdraw(state)
    step = _finalize(replace(state, status=IssueStatus.FINALIZING, polls=0), acme, now, order)
    return Step(step.state, (*cleanup, *step.effects))


def _failed_authorization(state: IssueState, acme: AcmePort, order: OrderView) -> str:
    for url in order.authorizations:
        authz = acme.authorization(url)
        if authz.status in ("invalid", "deactivated", "expired", "revoked"):
            return f"validation of {authz.identifier} failed" + (f": {authz.error}" if authz.error else "")
    return ""


def _finalize(state: IssueState, acme: AcmePort, now: int, order: OrderView | None = None) -> Step:
    order = order or acme.order(state.order_url)
    if order.status == "ready":
        order = acme.finalize(order, state.csr_pem)
    if order.status == "valid" and order.certificate_url:
        return _install(replace(state, certificate_url=order.certificate_url), acme, now)
    if order.status in ("processing", "ready", "valid"):
        delay = order.retry_after if order.retry_after else _backoff(state.polls)
        return Step(replace(state, status=IssueStatus.FINALIZING, polls=state.polls + 1),
                    (Requeue(_clamp(delay, state, now)),))
    return _fail(state, now, f"the order became {order.status}: {order.error or 'no reason given'}")


def _install(state: IssueState, acme: AcmePort, now: int) -> Step:
    fullchain = acme.certificate(state.certificate_url)
    try:
        chain = pki.split_chain(fullchain)
        leaf = chain.leaf()
    except pki.PkiError as exc:
        return _fail(state, now, f"the CA sent an unreadable certificate ({exc})")
    csr = x509.load_pem_x509_csr(state.csr_pem.encode("ascii"))
    if pki.public_key_der(csr.public_key()) != pki.public_key_der(leaf.public_key()):  # type: ignore[arg-type]
        return _fail(state, now, "the CA's certificate does not carry our key")
    info = pki.certificate_info(leaf)
    missing = set(state.names) - set(info.names)
    if missing:
        return _fail(state, now, f"the CA's certificate lacks {', '.join(sorted(missing))}")
    done = replace(state, status=IssueStatus.DONE, completed_at=now, polls=0, error="")
    return Step(done, (CertificateIssued(chain.fullchain_pem.decode("ascii"), info.serial_hex, info.not_before,
                                         info.not_after),))


def _fail(state: IssueState, now: int, message: str) -> Step:
    failed = replace(state, status=IssueStatus.FAILED, error=message[:500], completed_at=now)
    return Step(failed, (*_withdraw(state), IssueFailed(failed.error)))


def _backoff(attempt: int) -> int:
    return min(FIRST_POLL_DELAY * (2 ** min(attempt, 10)), MAX_POLL_DELAY)


def _clamp(delay: float, state: IssueState, now: int) -> int:
    """A delay SQS accepts (0–900 s) that never sleeps past the deadline."""
    return int(max(0, min(delay, MAX_DELAY, max(state.deadline - now, 0))))
