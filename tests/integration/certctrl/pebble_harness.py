"""A real ACME CA for the tests: Let's Encrypt's pebble (Debian package `pebble`, which also ships
`pebble-challtestsrv`), started on free ports with its own config and stopped afterwards, by devstack/pebble.py
(the code `make dev PEBBLE=1` runs too).

    with running_pebble(tmp_path) as ca:            # real validation
        ca.directory_url, ca.ca_bundle              # → providers.acme.operator_endpoint(url, ca_bundle=...)
        ca.http01.serve(token, key_authorization)   # pebble's VA fetches http://<name>:<http01 port>/.well-known/...
        ca.set_txt("_acme-challenge.example.com", value)

* TLS: pebble serves its ACME API over HTTPS only. Debian ships no test certificate, so a throwaway CA and a
  certificate for 127.0.0.1/localhost are made with `cryptography`; `ca_bundle` is that CA's PEM (the client
  verifies pebble against it; nothing is added to any trust store).
* DNS: pebble resolves names through `-dnsserver`, pointed at pebble-challtestsrv's mock DNS, which answers every
  A query with 127.0.0.1 (AAAA disabled) and TXT queries with what `set_txt` added. So any name (example.com) leads
  pebble's HTTP-01 validation to our `Http01Responder` on 127.0.0.1, on the port given to pebble as `httpPort`.
* Modes (environment of the pebble process): PEBBLE_VA_NOSLEEP=1 (validate at once), PEBBLE_WFE_NONCEREJECT=0 (no
  random badNonce), PEBBLE_AUTHZREUSE=0 (every order gets fresh authorizations, so each test proves its names);
  `always_valid=True` adds PEBBLE_VA_ALWAYS_VALID=1: every challenge passes without any lookup (validation-skip mode,
  the mode `make dev` can use when no DNS or HTTP responder is reachable). `eab_keys` turns on external account
  binding (ZeroSSL's behaviour) with those kid → base64url HMAC keys.
* `PEBBLE` is None when the binary is absent: tests skip with `SKIP_REASON` then, and only then.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests
from cryptography import x509

from devstack.pebble import MISSING as SKIP_REASON
from devstack.pebble import PEBBLE, LocalPebble, free_port

__all__ = ["PEBBLE", "SKIP_REASON", "Http01Responder", "Pebble", "free_port", "running_pebble"]


class Http01Responder:
    """A tiny HTTP server answering /.well-known/acme-challenge/<token> with the key authorization it was given."""

    PREFIX = "/.well-known/acme-challenge/"

    def __init__(self) -> None:
        self.tokens: dict[str, str] = {}
        self.requests: list[tuple[str, str]] = []  # (Host header, path) of every request pebble made
        responder = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                responder.requests.append((self.headers.get("Host", ""), self.path))
                token = self.path[len(Http01Responder.PREFIX):] if self.path.startswith(Http01Responder.PREFIX) \
                    else None
                body = responder.tokens.get(token or "")
                if body is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                data = body.encode("ascii")
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def serve(self, token: str, key_authorization: str) -> None:
        self.tokens[token] = key_authorization

    def withdraw(self, token: str) -> None:
        self.tokens.pop(token, None)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass
class Pebble:
    directory_url: str
    management_url: str
    ca_bundle: str
    http01: Http01Responder
    challtestsrv_url: str | None
    always_valid: bool
    log: Path
    txt: dict[str, list[str]] = field(default_factory=dict)

    def roots(self) -> list[x509.Certificate]:
        """Pebble's issuing root (regenerated on every start)."""
        response = requests.get(f"{self.management_url}/roots/0", verify=self.ca_bundle, timeout=10)
        response.raise_for_status()
        return x509.load_pem_x509_certificates(response.content)

    def _manage(self, path: str, body: Mapping[str, str]) -> None:
        if self.challtestsrv_url is None:
            raise RuntimeError("this pebble runs without a mock DNS server")
        response = requests.post(f"{self.challtestsrv_url}{path}", data=json.dumps(body), timeout=10)
        response.raise_for_status()

    def set_txt(self, name: str, value: str) -> None:
        self._manage("/set-txt", {"host": name.rstrip(".") + ".", "value": value})
        self.txt.setdefault(name, []).append(value)

    def clear_txt(self, name: str) -> None:
        self._manage("/clear-txt", {"host": name.rstrip(".") + "."})
        self.txt.pop(name, None)

    def set_cname(self, name: str, target: str) -> None:
        self._manage("/set-cname", {"host": name.rstrip(".") + ".", "target": target.rstrip(".") + "."})


@contextlib.contextmanager
def running_pebble(workdir: Path, *, always_valid: bool = False,
                   eab_keys: Mapping[str, str] | None = None) -> Iterator[Pebble]:
    """pebble and its mock DNS started by devstack/pebble.py (the same code `make dev PEBBLE=1` runs), HTTP-01
    validated against this test's responder."""
    if PEBBLE is None:
        raise RuntimeError(SKIP_REASON)
    responder = Http01Responder()
    local = LocalPebble(workdir, http01_port=responder.port, always_valid=always_valid, eab_keys=eab_keys)
    try:
        local.start()
        yield Pebble(local.directory_url, local.management_url, local.ca_bundle, responder, local.challtestsrv_url,
                     always_valid, local.log)
    finally:
        local.stop()
        responder.close()
