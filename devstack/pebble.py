"""A local ACME CA for the stack: Let's Encrypt's pebble (Debian package `pebble`, which also ships
`pebble-challtestsrv`), started by `python -m devstack up --with-pebble` (`make dev DEVSTACK_ARGS=--with-pebble`).

    pebble = LocalPebble(workdir, http01_port=8080).start()
    pebble.env            # ACME_DIRECTORIES / ACME_CA_BUNDLE / ISSUE_STEP_DELAY_CAP_SECONDS for the functions
    pebble.set_cname(name, target)                       # a user's DNS record, in the mock DNS
    pebble.stop()

* TLS: pebble serves ACME over HTTPS only and Debian ships no test certificate: a throwaway CA and a certificate
  for 127.0.0.1/localhost are made with `cryptography`; the functions trust that CA for the pebble directory only
  (ACME_CA_BUNDLE).
* DNS: pebble resolves through pebble-challtestsrv's mock DNS, which answers every A query with 127.0.0.1. So
  HTTP-01 validation of any name reaches `http://127.0.0.1:<http01_port>/.well-known/acme-challenge/<token>`: the
  stack's own HTTP API port of the service that serves that route.
* DNS-01: `mirror_route53(client)` copies every TXT record of the endpoint's Route 53 hosted zones into the mock
  DNS (and removes what was withdrawn), so what the stack publishes in Route 53 is what pebble validates; a user's
  CNAME delegation is set with `set_cname` (its management API, shown in the ready file and at /status).
* `always_valid=True` (`--pebble-skip-validation`): PEBBLE_VA_ALWAYS_VALID=1, every challenge passes unchecked.

Ports: free ports on 127.0.0.1 (never the suite's fixed ones). The processes are stopped with the stack.
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
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

PEBBLE = shutil.which("pebble")
CHALLTESTSRV = shutil.which("pebble-challtestsrv")
MISSING = "the pebble binary is not installed (Debian: apt-get install -y pebble; .ci/run installs it)"
STARTUP_SECONDS = 20.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"{proc.args[0]} did not listen on {port}:\n{log.read_text(errors='replace')}")


def stop_process(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def tls_files(directory: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA, and a certificate it signs for 127.0.0.1 and localhost (pebble's HTTPS listener):
    (CA PEM, certificate PEM, key PEM)."""
    from cryptography import x509  # noqa: PLC0415  (only a stack with pebble pays for these imports)
    from cryptography.hazmat.primitives import hashes, serialization  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415
    from cryptography.x509.oid import NameOID  # noqa: PLC0415

    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "devstack: pebble TLS CA")])
    usage = x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                          encipher_only=False, decipher_only=False)
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(usage, critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    names = x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(names, critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    ca_path, cert_path, key_path = directory / "tls-ca.pem", directory / "tls-cert.pem", directory / "tls-key.pem"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return ca_path, cert_path, key_path


class LocalPebble:
    """pebble (+ pebble-challtestsrv unless `always_valid`) on free ports, validating HTTP-01 on `http01_port`."""

    def __init__(self, workdir: Path, *, http01_port: int, always_valid: bool = False,
                 eab_keys: Mapping[str, str] | None = None) -> None:
        self.workdir = workdir
        self.http01_port = http01_port
        self.always_valid = always_valid
        self.eab_keys = dict(eab_keys or {})
        self.processes: list[subprocess.Popen] = []
        self.directory_url = ""
        self.management_url = ""
        self.challtestsrv_url: str | None = None
        self.ca_bundle = ""
        self.log = workdir / "pebble.log"
        self._stop = threading.Event()

    # -- lifecycle -------------------------------------------------------------------------------------------
    def start(self) -> LocalPebble:
        if PEBBLE is None:
            raise RuntimeError(MISSING)
        self.workdir.mkdir(parents=True, exist_ok=True)
        ca_path, cert_path, key_path = tls_files(self.workdir)
        try:
            args = [PEBBLE, "-config", str(self.workdir / "pebble.json"), "-strict=false"]
            if not self.always_valid:
                args += ["-dnsserver", f"127.0.0.1:{self._start_challtestsrv()}"]
            acme_port, manage = free_port(), free_port()
            config = {"pebble": {
                "listenAddress": f"127.0.0.1:{acme_port}", "managementListenAddress": f"127.0.0.1:{manage}",
                "certificate": str(cert_path), "privateKey": str(key_path), "httpPort": self.http01_port,
                "tlsPort": free_port(), "ocspResponderURL": "", "externalAccountBindingRequired": bool(self.eab_keys),
                **({"externalAccountMACKeys": self.eab_keys} if self.eab_keys else {})}}
            (self.workdir / "pebble.json").write_text(json.dumps(config, indent=2))
            env = {**os.environ, "PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "0", "PEBBLE_AUTHZREUSE": "0"}
            if self.always_valid:
                env["PEBBLE_VA_ALWAYS_VALID"] = "1"
            with self.log.open("wb") as out:
                proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=self.workdir)
            self.processes.append(proc)
            wait_for_port(acme_port, proc, self.log)
            wait_for_port(manage, proc, self.log)
        except BaseException:
            self.stop()
            raise
        self.directory_url = f"https://127.0.0.1:{acme_port}/dir"
        self.management_url = f"https://127.0.0.1:{manage}"
        self.ca_bundle = str(ca_path)
        return self

    def _start_challtestsrv(self) -> int:
        if CHALLTESTSRV is None:
            raise RuntimeError("pebble-challtestsrv is missing (it ships in the same Debian package)")
        dns_port, manage_port = free_port(), free_port()
        log = self.workdir / "challtestsrv.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [CHALLTESTSRV, "-dns01", f"127.0.0.1:{dns_port}", "-http01", "", "-https01", "", "-tlsalpn01", "",
                 "-management", f"127.0.0.1:{manage_port}", "-defaultIPv4", "127.0.0.1", "-defaultIPv6", ""],
                stdout=out, stderr=subprocess.STDOUT)
        self.processes.append(proc)
        wait_for_port(manage_port, proc, log)
        self.challtestsrv_url = f"http://127.0.0.1:{manage_port}"
        return dns_port

    def stop(self) -> None:
        self._stop.set()
        for proc in reversed(self.processes):
            stop_process(proc)
        self.processes.clear()

    # -- what the stack's functions and people use -------------------------------------------------------------
    @property
    def env(self) -> dict[str, str]:
        """The overrides that point a service's ACME configuration at this CA (applied only to functions that
        declare the variables): the directory as the `pebble` provider, its TLS CA, short waits between steps."""
        return {"ACME_DIRECTORIES": json.dumps({"pebble": self.directory_url}), "ACME_CA_BUNDLE": self.ca_bundle,
                "ISSUE_STEP_DELAY_CAP_SECONDS": "1"}

    def status(self) -> dict[str, Any]:
        return {"directory_url": self.directory_url, "management_url": self.management_url,
                "challtestsrv_url": self.challtestsrv_url, "ca_bundle": self.ca_bundle,
                "http01_port": self.http01_port, "always_valid": self.always_valid}

    def _manage(self, path: str, body: Mapping[str, str]) -> None:
        if self.challtestsrv_url is None:
            raise RuntimeError("this pebble runs without a mock DNS server (validation skipped)")
        request = urllib.request.Request(f"{self.challtestsrv_url}{path}", data=json.dumps(body).encode(),  # noqa: S310
                                         method="POST")
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310  (the local challtestsrv)
            pass

    def set_txt(self, name: str, value: str) -> None:
        self._manage("/set-txt", {"host": name.rstrip(".") + ".", "value": value})

    def clear_txt(self, name: str) -> None:
        self._manage("/clear-txt", {"host": name.rstrip(".") + "."})

    def set_cname(self, name: str, target: str) -> None:
        self._manage("/set-cname", {"host": name.rstrip(".") + ".", "target": target.rstrip(".") + "."})

    def mirror_route53(self, route53: Callable[[], Any], *, interval: float = 0.3) -> threading.Thread:
        """Copy the TXT records of every Route 53 hosted zone into the mock DNS, continuously (a thread)."""
        mirrored: dict[str, list[str]] = {}

        def once() -> None:
            client = route53()
            now: dict[str, list[str]] = {}
            for zone in client.list_hosted_zones().get("HostedZones", []):
                pages = client.get_paginator("list_resource_record_sets").paginate(HostedZoneId=zone["Id"])
                for page in pages:
                    for record in page.get("ResourceRecordSets", []):
                        if record["Type"] == "TXT":
                            values = [r["Value"].strip('"') for r in record.get("ResourceRecords", [])]
                            now[record["Name"].rstrip(".")] = values
            for name in set(mirrored) | set(now):
                if mirrored.get(name) != now.get(name):
                    self.clear_txt(name)
                    for value in now.get(name, []):
                        self.set_txt(name, value)
            mirrored.clear()
            mirrored.update(now)

        def loop() -> None:
            while not self._stop.wait(interval):
                with contextlib.suppress(Exception):  # the endpoint restarting, a record changing meanwhile
                    once()

        thread = threading.Thread(target=loop, name="pebble-dns-mirror", daemon=True)
        thread.start()
        return thread
