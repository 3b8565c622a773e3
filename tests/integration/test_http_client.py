"""HttpClient against FakeProvider on 127.0.0.1: retries, Retry-After, timeouts, byte caps, redirects, SSRF guard.

No test really sleeps between retries: the client gets a ``sleep`` that records the waits. Nothing here may reach
the internet (this box transparently accepts outbound connections), so "public" addresses are always redirected
to a loopback fake at the socket level.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import gzip
import logging
import socket
import ssl
import time
from collections.abc import Iterator

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from devstack.fake_provider import FakeProvider
from suite.outbound import (
    HttpClient,
    ResponseJsonError,
    ResponseTooLarge,
    RetryLater,
    RetryPolicy,
    UnsafeUrlError,
    UpstreamError,
    UrlPolicy,
    provider_base_url,
)

PUBLIC_IP = "93.184.215.14"  # stands for "a public address"; connections to it are redirected to a loopback fake


@pytest.fixture
def fake() -> Iterator[FakeProvider]:
    with FakeProvider() as provider:
        yield provider


class Sleeps(list[float]):
    """Records the waits the client asks for instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def client_for(fake: FakeProvider, sleeps: Sleeps, **kwargs) -> HttpClient:
    return HttpClient(UrlPolicy.for_base_url(fake.url), sleep=sleeps, **kwargs)


# ---------------------------------------------------------------------------------------------------------------
# Rate limiting: 429/503 and Retry-After
# ---------------------------------------------------------------------------------------------------------------


def test_429_retry_after_is_honoured(fake, sleeps):
    fake.throttle(times=1, retry_after=2)
    response = client_for(fake, sleeps).post(f"{fake.url}/bot1/sendMessage", json={"text": "hi"})
    assert response.status == 200
    assert response.ok
    assert response.attempts == 2
    assert sleeps == [2.0]  # Retry-After (2 s) dominates the jitter (at most 0.5 s on the first retry)
    assert [r.json for r in fake.requests] == [{"text": "hi"}, {"text": "hi"}]  # POST retried: 429 = not processed


def test_429_gives_up_after_max_attempts_and_returns_the_last_response(fake, sleeps):
    fake.throttle(times=None, retry_after=1, json_body={"retry_after": 1, "code": "slow down"})
    response = client_for(fake, sleeps).get(f"{fake.url}/x")
    assert response.status == 429
    assert not response.ok
    assert response.attempts == 3
    assert response.json() == {"retry_after": 1, "code": "slow down"}
    assert response.headers["retry-after"] == "1"
    assert len(sleeps) == 2
    assert all(1.0 <= wait <= 1.0 + 1.0 for wait in sleeps)
    assert len(fake.requests) == 3


def test_retry_after_above_the_maximum_raises_retry_later_at_once(fake, sleeps):
    fake.throttle(times=None, retry_after=60)
    client = client_for(fake, sleeps, retry=RetryPolicy(max_retry_after=10))
    with pytest.raises(RetryLater) as excinfo:
        client.post(f"{fake.url}/hook", json={})
    assert excinfo.value.retry_after_seconds == 60
    assert excinfo.value.response.status == 429
    assert sleeps == []
    assert len(fake.requests) == 1


def test_retry_after_http_date(fake, sleeps):
    when = email.utils.format_datetime(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=4), usegmt=True)
    fake.respond(503, json={"error": "maintenance"}, headers={"Retry-After": when}, times=1)
    response = client_for(fake, sleeps).post(f"{fake.url}/hook", json={})
    assert response.status == 200
    assert len(sleeps) == 1
    assert 2.0 <= sleeps[0] <= 4.5  # the date has one-second resolution


def test_503_is_retried_even_for_post(fake, sleeps):
    fake.fail(times=1, status=503)
    response = client_for(fake, sleeps).post(f"{fake.url}/hook", json={"n": 1})
    assert (response.status, response.attempts) == (200, 2)
    assert len(fake.requests) == 2


def test_jitter_is_bounded_by_the_exponential_cap(fake, sleeps):
    fake.fail(times=None, status=503)
    retry = RetryPolicy(max_attempts=6, backoff_base=0.5, backoff_cap=1.5)
    response = client_for(fake, sleeps, retry=retry).get(f"{fake.url}/x")
    assert (response.status, response.attempts) == (503, 6)
    assert len(sleeps) == 5
    for index, wait in enumerate(sleeps):
        assert 0 <= wait <= min(1.5, 0.5 * 2**index)


# ---------------------------------------------------------------------------------------------------------------
# 5xx and idempotency
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 504])
def test_5xx_retried_for_get(fake, sleeps, status):
    fake.fail(times=2, status=status)
    response = client_for(fake, sleeps).get(f"{fake.url}/x")
    assert (response.status, response.attempts) == (200, 3)
    assert len(fake.requests) == 3
    assert len(sleeps) == 2


def test_500_not_retried_for_plain_post(fake, sleeps):
    fake.fail(times=1, status=500)
    response = client_for(fake, sleeps).post(f"{fake.url}/hook", json={"n": 1})
    assert (response.status, response.attempts) == (500, 1)
    assert response.json()["error"] == "injected failure"
    assert len(fake.requests) == 1
    assert sleeps == []


def test_500_retried_for_post_marked_idempotent(fake, sleeps):
    fake.fail(times=1, status=500)
    response = client_for(fake, sleeps).post(f"{fake.url}/hook", json={"n": 1}, idempotent=True)
    assert (response.status, response.attempts) == (200, 2)
    assert len(fake.requests) == 2


def test_get_marked_non_idempotent_is_not_retried_on_500(fake, sleeps):
    fake.fail(times=1, status=502)
    response = client_for(fake, sleeps).get(f"{fake.url}/x", idempotent=False)
    assert (response.status, response.attempts) == (502, 1)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
def test_4xx_returned_at_once(fake, sleeps, status):
    fake.respond(status, json={"error": "no"})
    response = client_for(fake, sleeps).get(f"{fake.url}/x")
    assert (response.status, response.attempts) == (status, 1)
    assert len(fake.requests) == 1


# ---------------------------------------------------------------------------------------------------------------
# Timeouts and connection failures
# ---------------------------------------------------------------------------------------------------------------


def test_hang_times_out_within_the_bound(fake, sleeps):
    fake.hang(30, times=None)
    client = client_for(fake, sleeps, timeout=(1.0, 0.3), retry=RetryPolicy(max_attempts=1))
    started = time.monotonic()
    with pytest.raises(UpstreamError) as excinfo:
        client.get(f"{fake.url}/slow")
    elapsed = time.monotonic() - started
    assert excinfo.value.kind == "timeout"
    assert excinfo.value.attempts == 1
    assert 0.25 <= elapsed < 1.0
    assert len(fake.requests) == 1


def test_read_timeout_retried_for_get_not_for_post(fake, sleeps):
    fake.hang(30, times=None)
    client = client_for(fake, sleeps, timeout=(1.0, 0.2))
    with pytest.raises(UpstreamError) as get_error:
        client.get(f"{fake.url}/slow")
    assert (get_error.value.kind, get_error.value.attempts) == ("timeout", 3)
    assert len(fake.wait_for(3)) == 3

    fake.reset()
    fake.hang(30, times=None)
    started = time.monotonic()
    with pytest.raises(UpstreamError) as post_error:
        client.post(f"{fake.url}/hook", json={})
    assert (post_error.value.kind, post_error.value.attempts) == ("timeout", 1)
    assert time.monotonic() - started < 1.0
    assert len(fake.requests) == 1  # the POST may have been processed: never sent twice


def test_slow_body_is_cut_at_connect_plus_read(fake, sleeps):
    def trickle(_request):
        def body():
            for _ in range(100):
                yield b"x"
                time.sleep(0.05)

        return 200, {"Content-Type": "text/plain"}, body()

    fake.respond_with(trickle)
    client = client_for(fake, sleeps, timeout=(0.2, 0.3), retry=RetryPolicy(max_attempts=1))
    started = time.monotonic()
    with pytest.raises(UpstreamError) as excinfo:
        client.get(f"{fake.url}/trickle")
    assert excinfo.value.kind == "timeout"
    assert time.monotonic() - started < 1.2  # each recv is fast, but the whole body has a 0.5 s budget


def test_connection_refused_is_retried_even_for_post(sleeps):
    with FakeProvider() as gone:
        url = gone.url
    client = HttpClient(UrlPolicy.for_base_url(url), sleep=sleeps, timeout=(0.5, 0.5))
    with pytest.raises(UpstreamError) as excinfo:
        client.post(f"{url}/hook", json={})
    assert excinfo.value.kind == "connection"
    assert excinfo.value.attempts == 3  # nothing was sent, so a POST is safe to retry
    assert len(sleeps) == 2
    assert "after 3 attempt(s)" in str(excinfo.value)


# ---------------------------------------------------------------------------------------------------------------
# Response handling
# ---------------------------------------------------------------------------------------------------------------


def test_response_byte_cap_with_content_length(fake, sleeps):
    fake.respond(body=b"x" * 2049)
    client = client_for(fake, sleeps, max_response_bytes=2048)
    with pytest.raises(ResponseTooLarge) as excinfo:
        client.get(f"{fake.url}/big")
    assert excinfo.value.kind == "too_large"
    assert isinstance(excinfo.value, UpstreamError)
    assert excinfo.value.limit == 2048
    assert len(fake.requests) == 1  # never retried


def test_response_byte_cap_without_content_length(fake, sleeps):
    fake.respond_with(lambda _r: (200, {}, (b"y" * 1000 for _ in range(100))))  # chunked, 100 kB
    client = client_for(fake, sleeps, max_response_bytes=10_000)
    with pytest.raises(ResponseTooLarge):
        client.get(f"{fake.url}/stream")


def test_body_exactly_at_the_cap_is_accepted(fake, sleeps):
    fake.respond(body=b"z" * 2048, headers={"Content-Type": "text/plain; charset=ascii"})
    response = client_for(fake, sleeps, max_response_bytes=2048).get(f"{fake.url}/edge")
    assert response.content == b"z" * 2048
    assert response.text == "z" * 2048


def test_ten_megabyte_body_rejected_by_default_cap(fake, sleeps):
    fake.respond(body=b"\0" * (10 * 1024 * 1024 + 1))
    with pytest.raises(ResponseTooLarge):
        client_for(fake, sleeps).get(f"{fake.url}/huge")


def test_byte_cap_applies_to_the_decoded_body(fake, sleeps):
    """A gzip bomb: 5 kB on the wire, 5 MB decoded. The cap counts decoded bytes."""
    bomb = gzip.compress(b"\0" * (5 * 1024 * 1024))
    assert len(bomb) < 10_000
    fake.respond(body=bomb, headers={"Content-Encoding": "gzip"})
    with pytest.raises(ResponseTooLarge):
        client_for(fake, sleeps, max_response_bytes=1024 * 1024).get(f"{fake.url}/bomb")


def test_gzip_body_is_decoded(fake, sleeps):
    fake.respond(body=gzip.compress(b'{"zipped": true}'), headers={"Content-Encoding": "gzip"})
    assert client_for(fake, sleeps).get(f"{fake.url}/z").json() == {"zipped": True}


def test_head_request(fake, sleeps):
    fake.respond(json={"ignored": "body"}, headers={"ETag": '"v1"'})
    response = client_for(fake, sleeps).request("HEAD", f"{fake.url}/obj")
    assert (response.status, response.content, response.headers["etag"]) == (200, b"", '"v1"')


def test_redirect_to_metadata_is_returned_unfollowed(fake, sleeps):
    fake.redirect("http://169.254.169.254/latest/meta-data/iam/security-credentials/", times=None)
    client = client_for(fake, sleeps)
    for method in ("GET", "POST"):
        response = client.request(method, f"{fake.url}/hook", json={"x": 1})
        assert response.status == 302
        assert not response.ok
        assert response.headers["Location"].startswith("http://169.254.169.254/")
    assert len(fake.requests) == 2  # one per call: no redirect hop, no retry


def test_bad_json_raises_a_clear_error(fake, sleeps):
    fake.respond(200, body=b"<html>oops</html>", headers={"Content-Type": "text/html"})
    response = client_for(fake, sleeps).get(f"{fake.url}/x")
    with pytest.raises(ResponseJsonError) as excinfo:
        response.json()
    assert str(excinfo.value) == "response body is not valid JSON (status 200, content-type text/html, 17 bytes)"
    assert isinstance(excinfo.value, ValueError)


def test_response_object_is_small_and_frozen(fake, sleeps):
    fake.respond(201, json={"id": 7}, headers={"X-Request-Id": "abc"})
    response = client_for(fake, sleeps).post(f"{fake.url}/items", json={"name": "n"})
    assert response.status == 201
    assert response.headers["x-request-id"] == "abc"
    assert response.headers["X-REQUEST-ID"] == "abc"
    assert "content-type" in response.headers
    assert response.json() == {"id": 7}
    assert response.elapsed_ms > 0
    with pytest.raises(AttributeError):
        response.status = 500  # type: ignore[misc]
    with pytest.raises(TypeError):
        response.headers["x"] = "y"  # type: ignore[index]


def test_request_carries_json_params_headers_and_user_agent(fake, sleeps):
    client = client_for(fake, sleeps, user_agent="suite-test/9")
    client.request("PUT", f"{fake.url}/kv/item", json={"v": [1, 2]}, params={"token": "t0k"}, headers={"X-Trace": "1"})
    (recorded,) = fake.requests
    assert recorded.method == "PUT"
    assert recorded.path == "/kv/item"
    assert recorded.query == {"token": ["t0k"]}
    assert recorded.json == {"v": [1, 2]}
    assert recorded.headers["user-agent"] == "suite-test/9"
    assert recorded.headers["x-trace"] == "1"


def test_one_shot_body_is_never_replayed(fake, sleeps):
    fake.fail(times=None, status=503)
    response = client_for(fake, sleeps).request("PUT", f"{fake.url}/upload", data=iter([b"a", b"b"]))
    assert (response.status, response.attempts) == (503, 1)
    assert fake.requests[0].body == b"ab"


def test_connections_are_pooled_across_requests(fake, sleeps, monkeypatch):
    connects: list[tuple] = []
    real_connect = socket.socket.connect

    def counting_connect(sock, address):
        connects.append(address)
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", counting_connect)
    client = client_for(fake, sleeps)
    for _ in range(20):
        assert client.get(f"{fake.url}/ping").status == 200
    assert len(connects) == 1


# ---------------------------------------------------------------------------------------------------------------
# SSRF guard
# ---------------------------------------------------------------------------------------------------------------


def test_trusted_loopback_origin_works_through_for_base_url(fake, sleeps):
    fake.respond(json={"ok": True, "result": {"message_id": 1}})
    client = client_for(fake, sleeps)
    response = client.post(f"{fake.url}/bot123/sendMessage", json={"chat_id": 1, "text": "hi"})
    assert response.json()["result"] == {"message_id": 1}
    assert fake.requests[0].json == {"chat_id": 1, "text": "hi"}


def test_same_loopback_url_under_user_policy_is_refused_before_sending(fake, sleeps):
    user = HttpClient(
        UrlPolicy(allowed_schemes=frozenset({"http"}), allowed_ports=frozenset({fake.port})), sleep=sleeps
    )
    for url in (f"{fake.url}/hook", f"http://localhost:{fake.port}/hook", f"http://2130706433:{fake.port}/hook"):
        with pytest.raises(UnsafeUrlError):
            user.post(url, json={})
    assert fake.requests == []


def test_other_origins_are_refused_by_a_base_url_client(fake, sleeps):
    client = client_for(fake, sleeps)
    for url in (
        "http://169.254.169.254/latest/meta-data/",
        f"http://127.0.0.1:{fake.port + 1}/x",
        f"http://localhost:{fake.port}/x",
        f"https://127.0.0.1:{fake.port}/x",
    ):
        with pytest.raises(UnsafeUrlError):
            client.get(url)
    assert fake.requests == []


def _resolver(answers_by_call: list[list[str]], calls: list[str]):
    """A getaddrinfo that answers ``answers_by_call[n]`` on the n-th call (the last one repeats)."""

    def fake_getaddrinfo(host, port, *_args, **_kwargs):
        calls.append(host)
        answers = answers_by_call[min(len(calls), len(answers_by_call)) - 1]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)) for address in answers]

    return fake_getaddrinfo


@pytest.fixture
def public_server(monkeypatch) -> Iterator[FakeProvider]:
    """A fake standing for the public provider: socket connects to PUBLIC_IP land on it instead of the internet."""
    with FakeProvider() as server:
        real_connect = socket.socket.connect

        def connect(sock, address):
            if address[0] == PUBLIC_IP:
                address = ("127.0.0.1", server.port)
            return real_connect(sock, address)

        monkeypatch.setattr(socket.socket, "connect", connect)
        yield server


def test_dns_rebinding_resolves_once_and_connects_to_the_checked_address(fake, public_server, sleeps, monkeypatch):
    """getaddrinfo answers a public address first and 127.0.0.1 afterwards: the loopback fake gets nothing."""
    calls: list[str] = []
    monkeypatch.setattr(socket, "getaddrinfo", _resolver([[PUBLIC_IP], ["127.0.0.1"]], calls))
    policy = UrlPolicy(
        allowed_schemes=frozenset({"http"}),
        allowed_ports=frozenset({fake.port}),
        allowed_hosts=frozenset({"hooks.example.com"}),
    )
    client = HttpClient(policy, sleep=sleeps)
    url = f"http://hooks.example.com:{fake.port}/hook"

    response = client.post(url, json={"n": 1})  # resolved once (public), connected to that address
    assert response.status == 200
    assert calls == ["hooks.example.com"]
    assert len(public_server.requests) == 1
    assert public_server.requests[0].headers["Host"] == f"hooks.example.com:{fake.port}"  # Host header kept

    # A fresh connection resolves again, now to 127.0.0.1: refused at connect time, never retried.
    fresh = HttpClient(policy, sleep=sleeps)
    with pytest.raises(UpstreamError) as excinfo:
        fresh.post(url, json={"n": 2})
    assert excinfo.value.kind == "unsafe"
    assert excinfo.value.attempts == 1
    assert fake.requests == []  # the loopback listener got 0 requests


def test_mixed_dns_answer_is_refused(fake, public_server, sleeps, monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(socket, "getaddrinfo", _resolver([[PUBLIC_IP, "127.0.0.1"]], calls))
    policy = UrlPolicy(allowed_schemes=frozenset({"http"}), allowed_ports=frozenset({fake.port}))
    with pytest.raises(UpstreamError) as excinfo:
        HttpClient(policy, sleep=sleeps).get(f"http://mixed.example.com:{fake.port}/x")
    assert excinfo.value.kind == "unsafe"
    assert "non-public" in str(excinfo.value)
    assert fake.requests == []
    assert public_server.requests == []


def test_name_resolving_to_loopback_is_refused_for_user_urls(fake, sleeps, monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(socket, "getaddrinfo", _resolver([["127.0.0.1"]], calls))
    policy = UrlPolicy(allowed_schemes=frozenset({"http"}), allowed_ports=frozenset({fake.port}))
    with pytest.raises(UpstreamError) as excinfo:
        HttpClient(policy, sleep=sleeps).get(f"http://evil-rebind.example.com:{fake.port}/x")
    assert excinfo.value.kind == "unsafe"
    assert fake.requests == []
    assert calls == ["evil-rebind.example.com"]


def test_env_proxies_cannot_bypass_the_guard(fake, sleeps, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", fake.url)
    monkeypatch.setenv("HTTPS_PROXY", fake.url)
    monkeypatch.setattr(socket, "getaddrinfo", _resolver([["127.0.0.1"]], []))
    policy = UrlPolicy(allowed_schemes=frozenset({"http"}), allowed_ports=frozenset({80}))
    with pytest.raises(UpstreamError) as excinfo:
        HttpClient(policy, sleep=sleeps).get("http://hooks.example.com/x")
    assert excinfo.value.kind == "unsafe"
    assert fake.requests == []  # the "proxy" was never used


def test_explicit_session_proxies_are_refused(fake, sleeps):
    session = requests.Session()
    session.proxies = {"http": fake.url, "https": fake.url}
    client = HttpClient(UrlPolicy.for_base_url(fake.url), sleep=sleeps, session=session)
    with pytest.raises(UpstreamError) as excinfo:
        client.get(f"{fake.url}/x")
    assert excinfo.value.kind == "unsafe"
    assert fake.requests == []


# ---------------------------------------------------------------------------------------------------------------
# TLS: pinned address, original host name for SNI and certificate verification
# ---------------------------------------------------------------------------------------------------------------


def _tls_material(tmp_path, host: str) -> tuple[ssl.SSLContext, str]:
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "suite test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    cert_path, key_path, ca_path = tmp_path / "cert.pem", tmp_path / "key.pem", tmp_path / "ca.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return context, str(ca_path)


def test_tls_uses_the_original_host_for_sni_and_certificate(tmp_path, sleeps, monkeypatch):
    context, ca_path = _tls_material(tmp_path, "provider.example.com")
    seen_sni: list[str | None] = []
    context.sni_callback = lambda _sock, name, _ctx: seen_sni.append(name)
    with FakeProvider(ssl_context=context) as tls_fake:
        port = tls_fake.port
        calls: list[str] = []
        monkeypatch.setattr(socket, "getaddrinfo", _resolver([["127.0.0.1"]], calls))
        policy = UrlPolicy(
            allowed_ports=frozenset({port}),
            allowed_hosts=frozenset({"provider.example.com", "other.example.com"}),
            trusted_origins=frozenset({f"https://provider.example.com:{port}", f"https://other.example.com:{port}"}),
        )
        session = requests.Session()
        session.verify = ca_path
        client = HttpClient(policy, sleep=sleeps, session=session, retry=RetryPolicy(max_attempts=1))

        response = client.get(f"https://provider.example.com:{port}/v1/ping")
        assert response.json() == {"ok": True}
        assert seen_sni == ["provider.example.com"]
        assert tls_fake.requests[0].headers["Host"] == f"provider.example.com:{port}"

        # Same address, another name: the certificate is checked against the name, so this must fail.
        with pytest.raises(UpstreamError) as excinfo:
            client.get(f"https://other.example.com:{port}/v1/ping")
        assert excinfo.value.kind == "connection"
        assert "TLS" in str(excinfo.value)
        assert len(tls_fake.requests) == 1


# ---------------------------------------------------------------------------------------------------------------
# Deadline
# ---------------------------------------------------------------------------------------------------------------


def test_deadline_stops_retries_instead_of_sleeping_past_it(fake, sleeps):
    fake.throttle(times=None, retry_after=5)
    client = client_for(fake, sleeps)
    response = client.get(f"{fake.url}/x", deadline=time.monotonic() + 2)
    assert (response.status, response.attempts) == (429, 1)  # a 5 s wait would cross the 2 s deadline
    assert sleeps == []
    assert len(fake.requests) == 1


def test_deadline_allows_waits_that_fit(fake, sleeps):
    fake.throttle(times=1, retry_after=1)
    response = client_for(fake, sleeps).get(f"{fake.url}/x", deadline=time.monotonic() + 30)
    assert (response.status, response.attempts) == (200, 2)
    assert sleeps == [1.0]


def test_deadline_clamps_the_request_timeout(fake, sleeps):
    fake.hang(30, times=None)
    client = client_for(fake, sleeps, timeout=(3.05, 10.0))
    started = time.monotonic()
    with pytest.raises(UpstreamError) as excinfo:
        client.get(f"{fake.url}/slow", deadline=time.monotonic() + 0.4)
    assert excinfo.value.kind == "timeout"
    assert time.monotonic() - started < 1.0


def test_deadline_already_passed_sends_nothing(fake, sleeps):
    with pytest.raises(UpstreamError) as excinfo:
        client_for(fake, sleeps).get(f"{fake.url}/x", deadline=time.monotonic() - 1)
    assert excinfo.value.kind == "timeout"
    assert fake.requests == []


def test_connection_failure_retries_stop_at_the_deadline():
    with FakeProvider() as gone:
        url = gone.url
    waits: list[float] = []

    def real_sleep(seconds: float) -> None:  # really sleeps: the deadline is checked against the real clock
        waits.append(seconds)
        time.sleep(seconds)

    client = HttpClient(
        UrlPolicy.for_base_url(url),
        sleep=real_sleep,
        retry=RetryPolicy(max_attempts=50, backoff_base=0.2, backoff_cap=0.2),
    )
    deadline = time.monotonic() + 0.5
    with pytest.raises(UpstreamError) as excinfo:
        client.get(f"{url}/x", deadline=deadline)
    assert excinfo.value.kind == "connection"
    assert excinfo.value.attempts < 50
    assert time.monotonic() < deadline + 0.1  # never slept past the deadline
    assert sum(waits) < 0.5


# ---------------------------------------------------------------------------------------------------------------
# Logging and configuration
# ---------------------------------------------------------------------------------------------------------------


def test_logs_never_carry_query_tokens_headers_or_bodies(fake, sleeps, caplog):
    fake.throttle(times=1, retry_after=0)
    client = client_for(fake, sleeps)
    with caplog.at_level(logging.DEBUG, logger="suite.outbound"):
        client.post(
            f"{fake.url}/robot/send?access_token=CANARY-QUERY-123",
            json={"secret": "CANARY-BODY-456"},
            headers={"Authorization": "Bearer CANARY-HEADER-789"},
        )
    records = [r for r in caplog.records if r.name == "suite.outbound"]
    assert len(records) == 2  # one line per attempt
    text = "\n".join(r.getMessage() for r in records)
    assert "POST 127.0.0.1/robot/send" in text
    assert "status=429 attempt=1" in text
    assert "status=200 attempt=2" in text
    for canary in ("CANARY-QUERY", "CANARY-BODY", "CANARY-HEADER", "access_token"):
        assert canary not in text


def test_logs_mask_credentials_in_webhook_paths(fake, sleeps, caplog):
    with caplog.at_level(logging.DEBUG, logger="suite.outbound"):
        client_for(fake, sleeps).post(f"{fake.url}/open-apis/bot/v2/hook/0f7c9a3e-1b2c-4cde-9abc-1234567890ab")
    text = "\n".join(r.getMessage() for r in caplog.records if r.name == "suite.outbound")
    assert "/open-apis/bot/v2/hook/0f7c…" in text
    assert "1234567890ab" not in text


def test_upstream_error_messages_carry_no_query(sleeps):
    with FakeProvider() as gone:
        url = gone.url
    client = HttpClient(UrlPolicy.for_base_url(url), sleep=sleeps, retry=RetryPolicy(max_attempts=1))
    with pytest.raises(UpstreamError) as excinfo:
        client.get(f"{url}/x?token=CANARY-QUERY")
    assert "CANARY" not in str(excinfo.value)
    assert excinfo.value.__cause__ is None
    assert excinfo.value.__suppress_context__


def test_provider_base_url(monkeypatch):
    monkeypatch.delenv("KOOK_API_BASE_URL", raising=False)
    assert provider_base_url("kook-api", "https://www.kookapp.cn/") == "https://www.kookapp.cn"
    monkeypatch.setenv("KOOK_API_BASE_URL", "http://127.0.0.1:9999/")
    assert provider_base_url("kook-api", "https://www.kookapp.cn") == "http://127.0.0.1:9999"
    monkeypatch.setenv("KOOK_API_BASE_URL", "")
    assert provider_base_url("kook-api", "https://www.kookapp.cn") == "https://www.kookapp.cn"


def test_client_without_policy_still_never_follows_redirects(fake, sleeps):
    fake.redirect(f"{fake.url}/elsewhere")
    response = HttpClient(sleep=sleeps).get(f"{fake.url}/x")
    assert response.status == 302
    assert len(fake.requests) == 1
