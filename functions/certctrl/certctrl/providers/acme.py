"""ACME (RFC 8555) for certctrl, on certbot's `acme` library (pinned 5.9.0) and `cryptography`.

One `AcmeClient` speaks for one ACME account (its key, and its KID once registered) at one directory. Every call is
one short exchange, so a worker can rebuild the client from the stored account on each step of an issue:

    client = AcmeClient(operator_endpoint(LETSENCRYPT), account_key_pem, kid=account.kid)
    order = client.new_order(csr_pem).order       # then authorization(), answer(), order(), finalize(), certificate()

What it returns are plain frozen views (`OrderView`, `AuthorizationView`, `ChallengeView`, `AcmeAccount`,
`RenewalWindow`) with epoch-second times, never library objects; what it raises is `suite.outbound.ProviderError`
(`reason` rate_limited / unreachable / timeout are worth retrying; `provider_code` carries the ACME problem code such
as "orderNotReady", "accountDoesNotExist", "externalAccountRequired").

**Where the directory URL comes from, and how it is guarded.** The `acme` library sends through its own
`requests` session, not through `suite.outbound.HttpClient`; `_GuardedNetwork` holds that session to the same rules:

* `operator_endpoint(url, ca_bundle=...)`: a URL from our configuration (`KNOWN_DIRECTORIES`, or a directory named in
  the stage's settings such as a local pebble). It is trusted like `UrlPolicy.for_base_url`: when its host is a
  loopback/private literal or a local name (pebble on 127.0.0.1 in the tests), exactly that origin may be private,
  and only for it a private CA bundle (pebble's test CA) may replace the system trust store.
* `user_endpoint(url)`: a directory URL a user typed. It must be https on port 443 with a public host name; IP
  literals, local names, private/loopback/link-local/metadata addresses are refused (`validate_url` with the
  default `UrlPolicy`), TLS is verified against the system store only.

For both, every request the library makes (the directory, nonces, accounts, orders, authorizations, challenges,
certificates, renewal info: URLs the CA chose) is first checked with `validate_url` against the endpoint's policy
(https; public hosts, plus the operator's own origin), sent without redirects and without environment proxies,
and connected through `PinnedHTTPAdapter`, which resolves the host once and refuses any non-public address that
is not the trusted origin (no DNS rebinding). Answers are capped at `MAX_RESPONSE_BYTES`.

Lookups of an account by key (`lookup`, `register` on a key the CA already knows) return the KID the CA has for
it (`created=False`): the caller records only that KID on its account row (the notes' `NO_KID` rule, see
`logic/acme_accounts.py`).

ARI (RFC 9773): `renewal_info(cert_pem)` returns the CA's suggested window when its directory has `renewalInfo`,
else None (pebble 2.4 has none; Let's Encrypt has).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import josepy as jose
from acme import challenges, messages
from acme import client as acme_client
from acme import errors as acme_errors
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from suite.outbound import (
    PinnedHTTPAdapter,
    ProviderError,
    UnsafeUrlError,
    UrlPolicy,
    parse_retry_after,
    validate_url,
)

PROVIDER = "acme"
KNOWN_DIRECTORIES: Mapping[str, str] = {
    "letsencrypt": "https://acme-v02.api.letsencrypt.org/directory",
    "letsencrypt-staging": "https://acme-staging-v02.api.letsencrypt.org/directory",
    "zerossl": "https://acme.zerossl.com/v2/DV90",
}
# Providers whose directory insists on external account binding (ZeroSSL hands out an EAB kid + HMAC key).
EAB_PROVIDERS = frozenset({"zerossl"})
HTTP01 = "http-01"
DNS01 = "dns-01"
SUPPORTED_CHALLENGES = (HTTP01, DNS01)
MAX_RESPONSE_BYTES = 1024 * 1024  # a chain is a few KB; a directory or an order a few hundred bytes
DEFAULT_TIMEOUT = (3.05, 10.0)
DIRECTORY_TTL = 3600.0
ARI_DEFAULT_RETRY_AFTER = 6 * 3600
_RETRYABLE_PROBLEMS = {"rateLimited": "rate_limited", "serverInternal": "unreachable", "badNonce": "unreachable"}


# ---------------------------------------------------------------------------------------------------------------
# Endpoints: which directory, under which URL policy
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """A validated directory URL and the policy every request to that CA is held to."""

    directory_url: str
    policy: UrlPolicy
    verify: bool | str = True  # True: the system trust store; a path: a CA bundle (operator endpoints only)
    operator: bool = False


def operator_endpoint(url: str, *, ca_bundle: str | None = None) -> Endpoint:
    """A directory URL from our own configuration (trusted: may be loopback, may bring a CA bundle)."""
    try:
        base = UrlPolicy.for_base_url(url)
        parts = validate_url(url, base)
    except UnsafeUrlError as exc:
        raise ProviderError("unsafe_url", f"{PROVIDER}: configured directory URL refused ({exc})") from None
    policy = UrlPolicy(
        allowed_schemes=frozenset({"https", parts.scheme}),
        allowed_ports=frozenset({443, parts.port}),
        allowed_hosts=None,
        trusted_origins=base.trusted_origins,
    )
    return Endpoint(parts.url, policy, ca_bundle or True, operator=True)


def user_endpoint(url: str) -> Endpoint:
    """A directory URL a user supplied: https, port 443, a public host; nothing private, ever."""
    policy = UrlPolicy()
    try:
        parts = validate_url(url, policy)
    except UnsafeUrlError as exc:
        raise ProviderError("unsafe_url", f"{PROVIDER}: directory URL refused ({exc})") from None
    return Endpoint(parts.url, policy, True, operator=False)


def endpoint_for(provider: str | None, directory_url: str | None = None, *,
                 configured: Mapping[str, str] | None = None, ca_bundle: str | None = None) -> Endpoint:
    """The endpoint of an ACME account row.

    `provider` "letsencrypt" / "letsencrypt-staging" / "zerossl" uses our known directory; a provider named in
    `configured` (the stage's operator-configured directories, e.g. {"pebble": "https://127.0.0.1:14000/dir"}) uses
    that URL with `ca_bundle`; any other account must carry `directory_url`, which is treated as user input.
    """
    name = (provider or "").strip().lower()
    configured = {k.lower(): v for k, v in (configured or {}).items()}
    if name in configured:
        return operator_endpoint(configured[name], ca_bundle=ca_bundle)
    if name in KNOWN_DIRECTORIES and not directory_url:
        return operator_endpoint(KNOWN_DIRECTORIES[name])
    if directory_url:
        known = {v: k for k, v in KNOWN_DIRECTORIES.items()}
        if directory_url in known:
            return operator_endpoint(directory_url)
        return user_endpoint(directory_url)
    raise ProviderError("rejected", f"{PROVIDER}: unknown provider {provider!r} and no directory URL")


# ---------------------------------------------------------------------------------------------------------------
# Account keys
# ---------------------------------------------------------------------------------------------------------------


def new_account_key_pem(kind: str = "ES256") -> bytes:
    """A fresh ACME account key (PKCS#8 PEM): ES256 (P-256, the default), ES384 or RS256 (RSA 2048)."""
    if kind == "ES256":
        key: Any = ec.generate_private_key(ec.SECP256R1())
    elif kind == "ES384":
        key = ec.generate_private_key(ec.SECP384R1())
    elif kind == "RS256":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    else:
        raise ValueError("account key kind must be ES256, ES384 or RS256")
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def account_jwk(account_key_pem: bytes | str) -> tuple[jose.JWK, jose.JWASignature]:
    """The JWK and JWS algorithm of an account key PEM."""
    raw = account_key_pem.encode("ascii") if isinstance(account_key_pem, str) else account_key_pem
    try:
        key = serialization.load_pem_private_key(raw, password=None)
    except (ValueError, TypeError):
        raise ValueError("the ACME account key is not a readable PEM private key") from None
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if key.curve.key_size == 256:
            return jose.JWKEC(key=key), jose.ES256
        if key.curve.key_size == 384:
            return jose.JWKEC(key=key), jose.ES384
        raise ValueError("ACME account keys on EC must be P-256 or P-384")
    if isinstance(key, rsa.RSAPrivateKey):
        return jose.JWKRSA(key=key), jose.RS256
    raise ValueError("ACME account keys must be EC or RSA")


def thumbprint(account_key_pem: bytes | str) -> str:
    """RFC 7638 JWK thumbprint (SHA-256, unpadded base64url) of the account's public key."""
    jwk, _alg = account_jwk(account_key_pem)
    return jose.b64encode(jwk.public_key().thumbprint(hash_function=hashes.SHA256)).decode("ascii")


# ---------------------------------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExternalBinding:
    """External account binding (RFC 8555 §7.3.4): ZeroSSL's `eab_kid` and base64url `eab_hmac_key`."""

    kid: str
    hmac_key: str
    hmac_alg: str = "HS256"

    def __post_init__(self) -> None:
        if not self.kid or not self.hmac_key:
            raise ValueError("external account binding needs a kid and an HMAC key")
        try:
            jose.b64decode(self.hmac_key)
        except (ValueError, TypeError):
            raise ValueError("the EAB HMAC key must be base64url") from None

    def __repr__(self) -> str:
        return f"ExternalBinding(kid={self.kid!r}, hmac_key=<hidden>)"


@dataclass(frozen=True)
class DirectoryMeta:
    terms_of_service: str | None
    external_account_required: bool
    profiles: tuple[str, ...]
    renewal_info: bool  # the CA offers ARI


@dataclass(frozen=True)
class AcmeAccount:
    kid: str  # the account URL: the JWS "kid" of every later request
    status: str
    contacts: tuple[str, ...]
    created: bool  # False: the CA already knew this key and returned its account


@dataclass(frozen=True)
class ChallengeView:
    type: str
    url: str
    status: str  # pending | processing | valid | invalid
    token: str | None
    error: str | None = None


@dataclass(frozen=True)
class AuthorizationView:
    url: str
    identifier: str  # the base name (a wildcard's authorization is for its parent name, with wildcard=True)
    identifier_type: str  # "dns" | "ip"
    status: str  # pending | valid | invalid | deactivated | expired | revoked
    wildcard: bool
    expires: int | None
    challenges: tuple[ChallengeView, ...]

    def challenge(self, kind: str) -> ChallengeView | None:
        return next((c for c in self.challenges if c.type == kind), None)

    @property
    def error(self) -> str | None:
        return next((c.error for c in self.challenges if c.error), None)


@dataclass(frozen=True)
class OrderView:
    url: str
    status: str  # pending | ready | processing | valid | invalid
    expires: int | None
    identifiers: tuple[str, ...]
    authorizations: tuple[str, ...]
    finalize_url: str
    certificate_url: str | None
    error: str | None = None
    retry_after: int | None = None  # seconds the CA asked us to wait before polling again


@dataclass(frozen=True)
class NewOrder:
    order: OrderView
    authorizations: tuple[AuthorizationView, ...]


@dataclass(frozen=True)
class RenewalWindow:
    """ARI's suggested renewal window (epoch seconds) and when to ask again."""

    start: int
    end: int
    retry_after: int
    explanation_url: str | None = None


# ---------------------------------------------------------------------------------------------------------------
# Transport
# ---------------------------------------------------------------------------------------------------------------


class _GuardedNetwork(acme_client.ClientNetwork):
    """`acme`'s JWS-signing network, sending only to URLs the endpoint's policy allows, through pinned
    connections, without redirects or proxies, with a response byte cap."""

    def __init__(self, key: jose.JWK, alg: jose.JWASignature, endpoint: Endpoint, *,
                 timeout: tuple[float, float], user_agent: str) -> None:
        super().__init__(key, alg=alg, verify_ssl=endpoint.verify, user_agent=user_agent)  # type: ignore[arg-type]
        self._endpoint = endpoint
        self._timeouts = timeout
        self.session.trust_env = False  # no proxies or .netrc from the environment
        adapter = PinnedHTTPAdapter(trusted_origins=endpoint.policy.trusted_origins)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)

    def _send_request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        safe = validate_url(url, self._endpoint.policy)
        headers = dict(kwargs.pop("headers", None) or {})
        headers.setdefault("User-Agent", self.user_agent)
        kwargs.pop("timeout", None)
        response = self.session.request(
            method, safe.url, *args, headers=headers, verify=self.verify_ssl, timeout=self._timeouts,
            allow_redirects=False, stream=True, **kwargs,
        )
        try:
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
                raise _TooLarge
            body = bytearray()
            for chunk in response.iter_content(64 * 1024):  # read to the end: the connection goes back to the pool
                body += chunk
                if len(body) > MAX_RESPONSE_BYTES:
                    raise _TooLarge
        except BaseException:
            response.close()
            raise
        # requests keeps a read body in `_content`; setting it makes .text/.json() work after the stream is closed.
        response._content = bytes(body)
        response._content_consumed = True
        response.encoding = "utf-8"
        return response


class _TooLarge(Exception):
    pass


_directory_cache: dict[str, tuple[float, dict[str, Any]]] = {}
_directory_lock = threading.Lock()


def forget_directories() -> None:
    """Drop cached directories (tests that restart a CA on the same URL)."""
    with _directory_lock:
        _directory_cache.clear()


# ---------------------------------------------------------------------------------------------------------------
# Client
# ---------------------------------------------------------------------------------------------------------------


class AcmeClient:
    """One ACME account at one CA. Cheap to create; the directory is cached per process for an hour."""

    def __init__(self, endpoint: Endpoint, account_key_pem: bytes | str, *, kid: str | None = None,
                 timeout: tuple[float, float] = DEFAULT_TIMEOUT, user_agent: str = "certctrl/1 (acme-python)",
                 clock: Callable[[], float] = time.time) -> None:
        self.endpoint = endpoint
        self._jwk, alg = account_jwk(account_key_pem)
        self._net = _GuardedNetwork(self._jwk, alg, endpoint, timeout=timeout, user_agent=user_agent)
        self._clock = clock
        self._client: acme_client.ClientV2 | None = None
        self.kid = kid
        if kid:
            self._net.account = messages.RegistrationResource(uri=kid, body=messages.Registration())

    def __repr__(self) -> str:
        return f"AcmeClient({self.endpoint.directory_url!r}, kid={self.kid!r})"

    # -- directory ---------------------------------------------------------------------------------------------

    def _directory_json(self) -> dict[str, Any]:
        url = self.endpoint.directory_url
        now = time.monotonic()
        with _directory_lock:
            hit = _directory_cache.get(url)
            if hit and hit[0] > now:
                return dict(hit[1])
        raw = self._guard("directory", lambda: self._net.get(url).json())
        if not isinstance(raw, dict) or not all(isinstance(raw.get(k), str) for k in ("newNonce", "newAccount",
                                                                                        "newOrder")):
            raise ProviderError("bad_response", f"{PROVIDER}: the directory lacks newNonce/newAccount/newOrder")
        with _directory_lock:
            _directory_cache[url] = (now + DIRECTORY_TTL, dict(raw))
        return dict(raw)

    @property
    def client(self) -> acme_client.ClientV2:
        if self._client is None:
            self._client = acme_client.ClientV2(messages.Directory.from_json(self._directory_json()), self._net)
        return self._client

    def meta(self) -> DirectoryMeta:
        raw = self._directory_json()
        meta = raw.get("meta") if isinstance(raw.get("meta"), dict) else {}
        profiles = meta.get("profiles") if isinstance(meta.get("profiles"), dict) else {}
        return DirectoryMeta(
            terms_of_service=meta.get("termsOfService") if isinstance(meta.get("termsOfService"), str) else None,
            external_account_required=meta.get("externalAccountRequired") is True,
            profiles=tuple(sorted(profiles)),
            renewal_info=isinstance(raw.get("renewalInfo"), str),
        )

    def _nonce_url(self) -> str:
        return self._directory_json()["newNonce"]

    # -- accounts ----------------------------------------------------------------------------------------------

    def register(self, *, email: str | None = None, eab: ExternalBinding | None = None) -> AcmeAccount:
        """Create the account for this key (agreeing to the CA's terms), or return the one the CA already has."""
        client = self.client
        binding = None
        if eab is not None:
            binding = messages.ExternalAccountBinding.from_data(
                account_public_key=self._jwk.public_key(), kid=eab.kid, hmac_key=eab.hmac_key,
                directory=client.directory, hmac_alg=eab.hmac_alg)
        elif self.meta().external_account_required:
            raise ProviderError("rejected", f"{PROVIDER}: this CA requires external account binding (EAB kid and "
                                "HMAC key)", provider_code="externalAccountRequired")
        registration = messages.NewRegistration.from_data(
            email=email or None, terms_of_service_agreed=True, external_account_binding=binding)
        self._net.account = None  # newAccount is signed with the JWK, never with a KID
        try:
            regr = self._guard("new account", lambda: client.new_account(registration), existing_ok=True)
        except _Existing as existing:
            return self._adopt(existing.location)
        body = regr.body
        self.kid = regr.uri
        return AcmeAccount(kid=regr.uri, status=str(body.status or "valid"), contacts=tuple(body.contact or ()),
                           created=True)

    def lookup(self) -> AcmeAccount | None:
        """The CA's account for this key, or None when it has none (onlyReturnExisting)."""
        client = self.client
        query = messages.NewRegistration.from_data(only_return_existing=True)
        self._net.account = None
        try:
            self._guard("account lookup", lambda: client.new_account(query), existing_ok=True)
        except _Existing as existing:
            return self._adopt(existing.location)
        except ProviderError as exc:
            if exc.provider_code == "accountDoesNotExist":
                return None
            raise
        raise ProviderError("bad_response", f"{PROVIDER}: the CA created an account on a lookup")

    def _adopt(self, location: str) -> AcmeAccount:
        if not location or location == "UNKNOWN-LOCATION":
            raise ProviderError("bad_response", f"{PROVIDER}: existing account without a Location")
        validate_url(location, self.endpoint.policy)
        self.kid = location
        self._net.account = messages.RegistrationResource(uri=location, body=messages.Registration())
        return AcmeAccount(kid=location, status="valid", contacts=(), created=False)

    def _require_kid(self) -> None:
        if not self.kid:
            raise ProviderError("rejected", f"{PROVIDER}: the account is not registered with its CA (no KID)",
                                provider_code="NO_KID")

    # -- orders ------------------------------------------------------------------------------------------------

    def new_order(self, csr_pem: bytes | str, *, profile: str | None = None) -> NewOrder:
        """A new order for the names of the CSR, with its authorizations fetched."""
        self._require_kid()
        raw = csr_pem.encode("ascii") if isinstance(csr_pem, str) else csr_pem
        csr = x509.load_pem_x509_csr(raw)
        try:
            sans = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        except x509.ExtensionNotFound:
            raise ValueError("the CSR has no subjectAltName") from None
        idents = [messages.Identifier(typ=messages.IDENTIFIER_FQDN, value=n) for n in sans.get_values_for_type(
            x509.DNSName)]
        idents += [messages.Identifier(typ=messages.IDENTIFIER_IP, value=str(ip)) for ip in sans.get_values_for_type(
            x509.IPAddress)]
        order = messages.NewOrder(identifiers=idents, **({"profile": profile} if profile else {}))
        directory = self._directory_json()
        response = self._guard("new order", lambda: self._net.post(directory["newOrder"], order,
                                                                  new_nonce_url=directory["newNonce"]))
        location = response.headers.get("Location")
        if not location:
            raise ProviderError("bad_response", f"{PROVIDER}: new order without a Location")
        view = self._order_view(location, response)
        return NewOrder(view, tuple(self.authorization(url) for url in view.authorizations))

    def order(self, url: str) -> OrderView:
        self._require_kid()
        response = self._guard("order", lambda: self._post_as_get(url))
        return self._order_view(url, response)

    def authorization(self, url: str) -> AuthorizationView:
        self._require_kid()
        response = self._guard("authorization", lambda: self._post_as_get(url))
        return self._guarded_parse("authorization", lambda: _authorization_view(url, response.json()))

    def answer(self, challenge: ChallengeView) -> ChallengeView:
        """Tell the CA the challenge is ready to be validated."""
        self._require_kid()
        answers = {HTTP01: challenges.HTTP01Response, DNS01: challenges.DNS01Response}
        if challenge.type not in answers:
            raise ValueError(f"unsupported challenge type {challenge.type!r}")
        body = answers[challenge.type]()
        response = self._guard("answer challenge", lambda: self._net.post(challenge.url, body,
                                                                         new_nonce_url=self._nonce_url()))
        return self._guarded_parse("challenge", lambda: _challenge_view(response.json()))

    def finalize(self, order: OrderView, csr_pem: bytes | str) -> OrderView:
        """Send the CSR to the order's finalize URL; the answer is the order (processing or valid)."""
        self._require_kid()
        raw = csr_pem.encode("ascii") if isinstance(csr_pem, str) else csr_pem
        request = messages.CertificateRequest(csr=x509.load_pem_x509_csr(raw))
        response = self._guard("finalize", lambda: self._net.post(order.finalize_url, request,
                                                                  new_nonce_url=self._nonce_url()))
        return self._order_view(order.url, response)

    def certificate(self, url: str) -> str:
        """The PEM chain at the order's certificate URL (leaf first)."""
        self._require_kid()
        response = self._guard("certificate", lambda: self._post_as_get(url))
        text = response.text
        if "-----BEGIN CERTIFICATE-----" not in text:
            raise ProviderError("bad_response", f"{PROVIDER}: the certificate URL answered no PEM chain")
        return text

    def _post_as_get(self, url: str) -> Any:
        return self._net.post(url, None, new_nonce_url=self._nonce_url())

    # -- challenge data ----------------------------------------------------------------------------------------

    def key_authorization(self, token: str) -> str:
        """`token.thumbprint`: the body an HTTP-01 responder serves at /.well-known/acme-challenge/<token>."""
        tp = jose.b64encode(self._jwk.public_key().thumbprint(hash_function=hashes.SHA256)).decode("ascii")
        return f"{token}.{tp}"

    def dns01_value(self, token: str) -> str:
        """The TXT value of `_acme-challenge.<name>`: base64url(SHA-256(key authorization))."""
        digest = hashlib.sha256(self.key_authorization(token).encode("ascii")).digest()
        return jose.b64encode(digest).decode("ascii")

    # -- renewal information (ARI) -----------------------------------------------------------------------------

    def renewal_info(self, cert_pem: bytes | str) -> RenewalWindow | None:
        """The CA's suggested renewal window for a certificate it issued, or None when it offers no ARI."""
        base = self._directory_json().get("renewalInfo")
        if not isinstance(base, str):
            return None
        raw = cert_pem.encode("ascii") if isinstance(cert_pem, str) else cert_pem
        cert = x509.load_pem_x509_certificate(raw)
        url = base.rstrip("/") + "/" + ari_cert_id(cert)
        response = self._guard("renewal info", lambda: self._net.get(url, content_type="application/json"))

        def parse() -> RenewalWindow:
            body = response.json()
            window = body["suggestedWindow"]
            start, end = _epoch(window["start"]), _epoch(window["end"])
            if start is None or end is None or end < start:
                raise ValueError("bad window")
            explanation = body.get("explanationURL")
            retry = parse_retry_after(response.headers.get("Retry-After"), now=self._clock())
            return RenewalWindow(start, end, int(retry) if retry is not None else ARI_DEFAULT_RETRY_AFTER,
                                 explanation if isinstance(explanation, str) else None)

        return self._guarded_parse("renewal info", parse)

    # -- plumbing ----------------------------------------------------------------------------------------------

    def _order_view(self, url: str, response: Any) -> OrderView:
        retry = parse_retry_after(response.headers.get("Retry-After"), now=self._clock())
        return self._guarded_parse("order", lambda: _order_view(url, response.json(),
                                                                int(retry) if retry is not None else None))

    @staticmethod
    def _guarded_parse[T](what: str, parse: Callable[[], T]) -> T:
        try:
            return parse()
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ProviderError("bad_response", f"{PROVIDER}: unexpected {what} answer") from None

    @staticmethod
    def _guard[T](what: str, call: Callable[[], T], *, existing_ok: bool = False) -> T:
        try:
            return call()
        except UnsafeUrlError:
            raise ProviderError("unsafe_url", f"{PROVIDER}: {what}: URL not allowed") from None
        except _TooLarge:
            raise ProviderError("bad_response", f"{PROVIDER}: {what}: answer too large") from None
        except acme_errors.ConflictError as exc:
            if existing_ok:  # new-account's "this key already has an account" (200 + Location)
                raise _Existing(exc.location) from None
            raise ProviderError("rejected", f"{PROVIDER}: {what}: conflict", provider_code="conflict") from None
        except messages.Error as problem:
            raise _problem(what, problem) from None
        except (acme_errors.Error, jose.DeserializationError) as exc:
            raise ProviderError("bad_response", f"{PROVIDER}: {what}: {type(exc).__name__}") from None
        except OSError as exc:  # requests' exceptions are IOErrors
            names = {cls.__name__ for cls in type(exc).__mro__}
            if names & {"Timeout", "ReadTimeout", "ConnectTimeout", "TimeoutError"}:
                raise ProviderError("timeout", f"{PROVIDER}: {what}: timed out") from None
            raise ProviderError("unreachable", f"{PROVIDER}: {what}: connection failed") from None
        except ValueError:  # a body that is not JSON where JSON was expected
            raise ProviderError("bad_response", f"{PROVIDER}: {what}: unreadable answer") from None


class _Existing(Exception):
    """new-account answered 200 + Location: the key already has an account (internal)."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


def _problem(what: str, problem: messages.Error) -> ProviderError:
    code = problem.code or str(problem.typ).rsplit(":", 1)[-1]
    detail = (problem.detail or problem.title or "").strip().replace("\n", " ")[:300]
    reason = _RETRYABLE_PROBLEMS.get(code, "rejected")
    message = f"{PROVIDER}: {what}: {code}" + (f" ({detail})" if detail else "")
    return ProviderError(reason, message, provider_code=code)


# ---------------------------------------------------------------------------------------------------------------
# Parsing (plain JSON → views)
# ---------------------------------------------------------------------------------------------------------------

_FRACTION = re.compile(r"(\.\d{6})\d+")


def _epoch(value: Any) -> int | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError("time must be a string")
    text = _FRACTION.sub(r"\1", value.strip()).replace("z", "Z")
    moment = datetime.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return int(moment.timestamp())


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} missing")
    return value


def _problem_text(value: Any) -> str | None:
    if not isinstance(value, dict):
        return None
    code = str(value.get("type", "")).rsplit(":", 1)[-1]
    detail = str(value.get("detail", "")).strip().replace("\n", " ")[:300]
    return f"{code}: {detail}" if detail else code or "error"


def _challenge_view(body: dict[str, Any]) -> ChallengeView:
    token = body.get("token")
    return ChallengeView(
        type=_text(body.get("type"), "type"),
        url=_text(body.get("url"), "url"),
        status=_text(body.get("status"), "status"),
        token=token if isinstance(token, str) else None,
        error=_problem_text(body.get("error")),
    )


def _authorization_view(url: str, body: dict[str, Any]) -> AuthorizationView:
    ident = body["identifier"]
    raw_challenges = body.get("challenges") or []
    if not isinstance(raw_challenges, list):
        raise ValueError("challenges must be a list")
    return AuthorizationView(
        url=url,
        identifier=_text(ident.get("value"), "identifier"),
        identifier_type=_text(ident.get("type"), "identifier type"),
        status=_text(body.get("status"), "status"),
        wildcard=body.get("wildcard") is True,
        expires=_epoch(body.get("expires")),
        challenges=tuple(_challenge_view(c) for c in raw_challenges),
    )


def _order_view(url: str, body: dict[str, Any], retry_after: int | None) -> OrderView:
    authorizations = body.get("authorizations") or []
    idents = body.get("identifiers") or []
    if not isinstance(authorizations, list) or not all(isinstance(a, str) for a in authorizations):
        raise ValueError("authorizations must be URLs")
    certificate = body.get("certificate")
    return OrderView(
        url=url,
        status=_text(body.get("status"), "status"),
        expires=_epoch(body.get("expires")),
        identifiers=tuple(str(i["value"]) for i in idents),
        authorizations=tuple(authorizations),
        finalize_url=_text(body.get("finalize"), "finalize"),
        certificate_url=certificate if isinstance(certificate, str) and certificate else None,
        error=_problem_text(body.get("error")),
        retry_after=retry_after,
    )


def ari_cert_id(cert: x509.Certificate) -> str:
    """RFC 9773 CertID: base64url(AKI keyIdentifier) "." base64url(serial as a DER INTEGER's content bytes)."""
    try:
        aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
    except x509.ExtensionNotFound:
        aki = None
    if not aki:
        raise ValueError("the certificate has no authority key identifier")
    serial = cert.serial_number
    serial_bytes = serial.to_bytes((serial.bit_length() + 8) // 8, "big", signed=True)

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")

    return f"{b64(aki)}.{b64(serial_bytes)}"


__all__ = [
    "DNS01",
    "EAB_PROVIDERS",
    "HTTP01",
    "KNOWN_DIRECTORIES",
    "SUPPORTED_CHALLENGES",
    "AcmeAccount",
    "AcmeClient",
    "AuthorizationView",
    "ChallengeView",
    "DirectoryMeta",
    "Endpoint",
    "ExternalBinding",
    "NewOrder",
    "OrderView",
    "RenewalWindow",
    "account_jwk",
    "ari_cert_id",
    "endpoint_for",
    "forget_directories",
    "new_account_key_pem",
    "operator_endpoint",
    "thumbprint",
    "user_endpoint",
]
