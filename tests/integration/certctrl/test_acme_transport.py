"""The ACME client's transport against a small directory server on 127.0.0.1 (an operator-configured endpoint):
ARI renewal info, the response cap, no redirects, and no pivot from the CA's origin to another private address."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509

from certctrl.logic import private_ca, renewal
from certctrl.providers import acme
from suite.outbound import ProviderError

WINDOW = {"start": "2030-01-02T00:00:00Z", "end": "2030-01-03T00:00:00Z"}


class FakeDirectory:
    def __init__(self) -> None:
        self.paths: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake.paths.append(self.path)
                base = f"http://127.0.0.1:{fake.port}"
                if self.path in ("/dir", "/pivot-dir"):
                    nonce = "http://127.0.0.2:9/nonce" if self.path == "/pivot-dir" else f"{base}/nonce"
                    self._json({"newNonce": nonce, "newAccount": f"{base}/acct", "newOrder": f"{base}/order",
                                "renewalInfo": f"{base}/renewal-info/"})
                elif self.path.startswith("/renewal-info/"):
                    self._json({"suggestedWindow": WINDOW, "explanationURL": "https://ca.example/why"},
                               {"Retry-After": "3600"})
                elif self.path == "/big-dir":
                    self._json({"newNonce": "x" * (acme.MAX_RESPONSE_BYTES + 10)})
                elif self.path == "/redirect-dir":
                    self.send_response(302)
                    self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                else:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()

            def _json(self, body: dict, headers: dict | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def directory() -> Iterator[FakeDirectory]:
    acme.forget_directories()
    fake = FakeDirectory()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()
    acme.forget_directories()


def client_for(url: str) -> acme.AcmeClient:
    return acme.AcmeClient(acme.operator_endpoint(url), acme.new_account_key_pem(), kid="http://ca/acct/1")


def test_ari_renewal_info_is_fetched_for_the_certificates_id(directory):
    ca = private_ca.create_ca(private_ca.CaRequest.from_body({"name": "ari ca"}), now=time.time())
    leaf = private_ca.issue_leaf(ca.as_issuer(), private_ca.LeafRequest("a.example.com"), now=time.time())
    client = client_for(directory.url("/dir"))
    assert client.meta().renewal_info
    window = client.renewal_info(leaf.fullchain_pem)
    cert_id = acme.ari_cert_id(x509.load_pem_x509_certificate(leaf.certificate_pem))
    assert directory.paths[-1] == f"/renewal-info/{cert_id}"
    assert (window.start, window.end) == (1893542400, 1893628800)
    assert window.retry_after == 3600
    assert window.explanation_url == "https://ca.example/why"
    plan = renewal.plan_renewal(cert_id="c1", serial_hex=format(leaf.serial, "x"), not_before=leaf.not_before,
                                not_after=leaf.not_after, now=int(time.time()), ari=window)
    assert plan.source == "ari"
    assert window.start <= plan.renew_after < window.end


def test_the_directory_is_fetched_once_per_process(directory):
    client_for(directory.url("/dir")).meta()
    client_for(directory.url("/dir")).meta()
    assert directory.paths.count("/dir") == 1


def test_an_oversized_answer_is_refused(directory):
    with pytest.raises(ProviderError) as refused:
        client_for(directory.url("/big-dir")).meta()
    assert refused.value.reason == "bad_response"
    assert "too large" in refused.value.message


def test_redirects_are_not_followed(directory):
    with pytest.raises(ProviderError):
        client_for(directory.url("/redirect-dir")).meta()
    assert directory.paths == ["/redirect-dir"]


def test_the_ca_cannot_send_us_to_another_private_address(directory):
    client = client_for(directory.url("/pivot-dir"))
    with pytest.raises(ProviderError) as refused:
        client.order(directory.url("/order/1"))  # needs a nonce from 127.0.0.2: not the configured origin
    assert refused.value.reason == "unsafe_url"
    assert "/nonce" not in "".join(directory.paths)
