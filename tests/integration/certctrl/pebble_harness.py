"""A real ACME CA for the tests: Let's Encrypt's pebble (Debian package `pebble`, which also ships
`pebble-challtestsrv`), started on free ports with its own config and stopped afterwards.

    with running_pebble(tmp_path) as ca:            # real validation
        ca.directory_url, ca.ca_bundle              # → providers.acme.operator_endpoint(url, ca_bundle=...)
        ca.http01.serve(token, key_authorization)   # pebble's VA fetches http://<name>:<http01 port>/.well-known/...
        ca.set_txt("_acme-challenge.example.com", value)

* TLS: pebble serves its ACME API over HTTPS only. Debian ships no test certificate, so a throwaway CA and a
  certificate for 127.0.0.1/localhost are made here with `cryptography`; `ca_bundle` is that CA's PEM (the client
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
import datetime
import ipaddress
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

PEBBLE = shutil.which("pebble")
CHALLTESTSRV = shutil.which("pebble-challtestsrv")
SKIP_REASON = "the pebble binary is not installed (Debian: apt-get install -y pebble; .ci/run installs it)"
STARTUP_SECONDS = 20.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"{proc.args[0]} did not listen on {port}:\n{log.read_text(errors='replace')}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _tls_files(directory: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA, and a certificate it signs for 127.0.0.1 and localhost (pebble's HTTPS listener)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "certctrl tests: pebble TLS CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    ca_path, cert_path, key_path = directory / "tls-ca.pem", directory / "tls-cert.pem", directory / "tls-key.pem"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return ca_path, cert_path, key_path


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
    if PEBBLE is None:
        raise RuntimeError(SKIP_REASON)
    workdir.mkdir(parents=True, exist_ok=True)
    ca_path, cert_path, key_path = _tls_files(workdir)
    responder = Http01Responder()
    processes: list[subprocess.Popen] = []
    try:
        args = [PEBBLE, "-config", str(workdir / "pebble.json"), "-strict=false"]
        challtestsrv_url = None
        if not always_valid:
            if CHALLTESTSRV is None:
                raise RuntimeError("pebble-challtestsrv is missing (it ships in the same Debian package)")
            dns_port, manage_port = free_port(), free_port()
            chall_log = workdir / "challtestsrv.log"
            with chall_log.open("wb") as out:
                chall = subprocess.Popen(
                    [CHALLTESTSRV, "-dns01", f"127.0.0.1:{dns_port}", "-http01", "", "-https01", "",
                     "-tlsalpn01", "", "-management", f"127.0.0.1:{manage_port}", "-defaultIPv4", "127.0.0.1",
                     "-defaultIPv6", ""], stdout=out, stderr=subprocess.STDOUT)
            processes.append(chall)
            _wait_for_port(manage_port, chall, chall_log)
            challtestsrv_url = f"http://127.0.0.1:{manage_port}"
            args += ["-dnsserver", f"127.0.0.1:{dns_port}"]
        acme_port, manage = free_port(), free_port()
        config = {"pebble": {
            "listenAddress": f"127.0.0.1:{acme_port}",
            "managementListenAddress": f"127.0.0.1:{manage}",
            "certificate": str(cert_path),
            "privateKey": str(key_path),
            "httpPort": responder.port,
            "tlsPort": free_port(),
            "ocspResponderURL": "",
            "externalAccountBindingRequired": bool(eab_keys),
            **({"externalAccountMACKeys": dict(eab_keys)} if eab_keys else {}),
        }}
        (workdir / "pebble.json").write_text(json.dumps(config, indent=2))
        env = {**os.environ, "PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "0", "PEBBLE_AUTHZREUSE": "0"}
        if always_valid:
            env["PEBBLE_VA_ALWAYS_VALID"] = "1"
        log = workdir / "pebble.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=workdir)
        processes.append(proc)
        _wait_for_port(acme_port, proc, log)
        _wait_for_port(manage, proc, log)
        yield Pebble(f"https://127.0.0.1:{acme_port}/dir", f"https://127.0.0.1:{manage}", str(ca_path), responder,
                     challtestsrv_url, always_valid, log)
    finally:
        for proc in reversed(processes):
            _stop(proc)
        responder.close()
