"""An in-memory ACME CA with the shape of `logic.issuance.AcmePort`, for the state machine's unit tests.

It behaves like RFC 8555 where the machine relies on it (challenge pending → processing on answer, authorization
valid → order ready, finalize → processing → valid, a certificate carrying the CSR's key and names), counts every
call, and lets a test script what the CA does next (validate, invalidate, reuse authorizations, fail a call).
Certificates are signed by a real private CA (logic.private_ca), so the chain parses and the key can be checked.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from dataclasses import dataclass, field

from cryptography import x509

from certctrl.logic import pki, private_ca
from certctrl.providers.acme import AuthorizationView, ChallengeView, NewOrder, OrderView
from suite.outbound import ProviderError

THUMBPRINT = "fake-thumbprint"


@dataclass
class _Authz:
    url: str
    identifier: str
    wildcard: bool
    status: str = "pending"
    challenges: dict[str, dict] = field(default_factory=dict)
    error: str | None = None


@dataclass
class _Order:
    url: str
    names: tuple[str, ...]
    authorizations: list[str]
    status: str = "pending"
    expires: int | None = None
    csr_pem: str = ""
    certificate_url: str | None = None
    retry_after: int | None = None
    error: str | None = None


class FakeAcme:
    def __init__(self, *, order_expires: int | None = None, reuse: set[str] | None = None,
                 challenge_types: tuple[str, ...] = ("http-01", "dns-01"), auto_validate: bool = False,
                 finalize_immediately: bool = False, wrong_key: bool = False) -> None:
        self.calls: Counter[str] = Counter()
        self.orders: dict[str, _Order] = {}
        self.authzs: dict[str, _Authz] = {}
        self.order_expires = order_expires
        self.reuse = set(reuse or ())
        self.challenge_types = challenge_types
        self.auto_validate = auto_validate
        self.finalize_immediately = finalize_immediately
        self.wrong_key = wrong_key
        self.failures: dict[str, list[Exception]] = {}
        self.certificates: dict[str, str] = {}
        self._ca = private_ca.create_ca(private_ca.CaRequest.from_body({"name": "Fake ACME CA"}), now=time.time())
        self._n = 0

    # -- scripting -----------------------------------------------------------------------------------------------

    def fail_next(self, method: str, exc: Exception) -> None:
        self.failures.setdefault(method, []).append(exc)

    def validate_all(self) -> None:
        """The CA's validation succeeds for every answered challenge."""
        for authz in self.authzs.values():
            if authz.status == "pending" and any(c["status"] == "processing" for c in authz.challenges.values()):
                authz.status = "valid"
                for c in authz.challenges.values():
                    if c["status"] == "processing":
                        c["status"] = "valid"
        self._refresh_orders()

    def invalidate(self, identifier: str, error: str) -> None:
        for authz in self.authzs.values():
            if authz.identifier == identifier:
                authz.status = "invalid"
                authz.error = error
                for c in authz.challenges.values():
                    if c["status"] in ("pending", "processing"):
                        c["status"] = "invalid"
                        c["error"] = error
        self._refresh_orders()

    def issue_now(self) -> None:
        """Processing orders become valid with their certificate."""
        for order in self.orders.values():
            if order.status == "processing":
                self._issue(order)

    # -- the port --------------------------------------------------------------------------------------------------

    def _call(self, method: str) -> None:
        self.calls[method] += 1
        queue = self.failures.get(method)
        if queue:
            raise queue.pop(0)

    def _url(self, kind: str) -> str:
        self._n += 1
        return f"https://ca.test/{kind}/{self._n}"

    def new_order(self, csr_pem, *, profile=None) -> NewOrder:
        self._call("new_order")
        names = pki.csr_names(csr_pem)
        urls = []
        for name in names:
            wildcard = name.startswith("*.")
            base = name[2:] if wildcard else name
            url = self._url("authz")
            authz = _Authz(url, base, wildcard)
            if name in self.reuse:
                authz.status = "valid"
            kinds = ("dns-01",) if wildcard else self.challenge_types
            for kind in kinds:
                token = hashlib.sha256(f"{url}{kind}".encode()).hexdigest()[:32]
                authz.challenges[kind] = {"url": self._url("chall"), "token": token, "status": "pending",
                                          "error": None}
            self.authzs[url] = authz
            urls.append(url)
        order = _Order(self._url("order"), names, urls, expires=self.order_expires,
                       csr_pem=csr_pem if isinstance(csr_pem, str) else csr_pem.decode())
        self.orders[order.url] = order
        self._refresh_orders()
        return NewOrder(self._order_view(order), tuple(self._authz_view(self.authzs[u]) for u in urls))

    def order(self, url: str) -> OrderView:
        self._call("order")
        if self.auto_validate:
            self.validate_all()
        order = self.orders[url]
        view = self._order_view(order)
        if order.status == "processing" and not self.finalize_immediately:
            self._issue(order)  # the next poll sees it valid
        return view

    def authorization(self, url: str) -> AuthorizationView:
        self._call("authorization")
        return self._authz_view(self.authzs[url])

    def answer(self, challenge: ChallengeView) -> ChallengeView:
        self._call("answer")
        for authz in self.authzs.values():
            for c in authz.challenges.values():
                if c["url"] == challenge.url:
                    if c["status"] != "pending":
                        raise ProviderError("rejected", "acme: answer challenge: malformed (not pending)",
                                            provider_code="malformed")
                    c["status"] = "processing"
                    return ChallengeView(challenge.type, c["url"], c["status"], c["token"])
        raise KeyError(challenge.url)

    def finalize(self, order: OrderView, csr_pem) -> OrderView:
        self._call("finalize")
        stored = self.orders[order.url]
        if stored.status != "ready":
            raise ProviderError("rejected", "acme: finalize: orderNotReady", provider_code="orderNotReady")
        stored.status = "processing"
        if self.finalize_immediately:
            self._issue(stored)
        return self._order_view(stored)

    def certificate(self, url: str) -> str:
        self._call("certificate")
        return self.certificates[url]

    def key_authorization(self, token: str) -> str:
        return f"{token}.{THUMBPRINT}"

    def dns01_value(self, token: str) -> str:
        return hashlib.sha256(self.key_authorization(token).encode()).hexdigest()[:43]

    # -- internals -------------------------------------------------------------------------------------------------

    def _refresh_orders(self) -> None:
        for order in self.orders.values():
            if order.status != "pending":
                continue
            statuses = [self.authzs[u].status for u in order.authorizations]
            if any(s == "invalid" for s in statuses):
                order.status = "invalid"
                order.error = "urn:ietf:params:acme:error:unauthorized"
            elif all(s == "valid" for s in statuses):
                order.status = "ready"

    def _issue(self, order: _Order) -> None:
        csr = x509.load_pem_x509_csr(order.csr_pem.encode())
        public_key = pki.generate_private_key().public_key() if self.wrong_key else csr.public_key()
        names = pki.csr_names(order.csr_pem)
        leaf = private_ca.issue_leaf(self._ca.as_issuer(), private_ca.LeafRequest(
            names[0], tuple(names[1:]), 90 * 86400, public_key=public_key), now=time.time())
        order.status = "valid"
        order.certificate_url = self._url("cert")
        self.certificates[order.certificate_url] = leaf.fullchain_pem.decode()

    def _order_view(self, order: _Order) -> OrderView:
        return OrderView(order.url, order.status, order.expires, order.names, tuple(order.authorizations),
                         order.url.replace("/order/", "/finalize/"), order.certificate_url, order.error,
                         order.retry_after)

    @staticmethod
    def _authz_view(authz: _Authz) -> AuthorizationView:
        return AuthorizationView(
            authz.url, authz.identifier, "dns", authz.status, authz.wildcard, None,
            tuple(ChallengeView(kind, c["url"], c["status"], c["token"], c["error"])
                  for kind, c in authz.challenges.items()))
