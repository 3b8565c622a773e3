"""A tiny HTTP server for certctrl's git engine in tests: `GitHosting.serve` behind Basic auth, as the wiring mounts
it on `/git/{proxy+}` (API Gateway buffers the whole body, chunked or not, and hands it over in one piece; so does
this server). Everything it answers is kept in `answers`, so tests can look for secrets in it.

    with git_server(hosting, tokens={"ak_1.secret": 1}) as server:
        run_git("clone", server.url(1, "tools"), ...)
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
from moto import mock_aws

from certctrl.logic.git_hosting import GitHosting, basic_credentials, challenge
from certctrl.models.git import GitSettings
from certctrl.store import git_storage
from devstack.moto_fidelity import make_s3_conditional_writes_atomic
from suite import aws
from suite.security.secret_box import forget_boxes

BUCKET = "certctrl-git-test"


def moto_git() -> Iterator[str]:
    """For a fixture: moto's S3 bucket `BUCKET` and a KMS key (yields its ARN), the bucket's conditional writes
    atomic as on S3 (devstack/moto_fidelity.py)."""
    make_s3_conditional_writes_atomic()
    with mock_aws():
        aws.reset_clients()
        forget_boxes()
        git_storage.PACK_CACHE.clear()
        s3 = boto3.client("s3", region_name="us-east-1")
        # Inside the session's moto stack (tests/integration/conftest.py) this mock shares its backend, so the
        # bucket may already exist from an earlier test: start and end empty either way.
        if BUCKET in {bucket["Name"] for bucket in s3.list_buckets()["Buckets"]}:
            _empty_bucket(s3)
        else:
            s3.create_bucket(Bucket=BUCKET)
        arn = boto3.client("kms", region_name="us-east-1").create_key(Description="certctrl")["KeyMetadata"]["Arn"]
        yield arn
        _empty_bucket(s3)
        forget_boxes()
        git_storage.PACK_CACHE.clear()


def _empty_bucket(s3: Any) -> None:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for entry in page.get("Contents", []):
            s3.delete_object(Bucket=BUCKET, Key=entry["Key"])


def settings(key_arn: str, **overrides: Any) -> GitSettings:
    return GitSettings(**{"bucket": BUCKET, "key_arn": key_arn, "public_base_url": "https://api.example.test",
                          **overrides})


@dataclass
class Served:
    """What the server saw and answered."""

    requests: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)
    answers: list[tuple[int, dict[str, str], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class GitServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, hosting: GitHosting | None, tokens: Mapping[str, int],
                 respond: Any = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hosting = hosting
        self.tokens = dict(tokens)
        self.respond = respond  # optional: (method, path, query, headers, body) → (status, headers, body)
        self.served = Served()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def url(self, user_id: int, repo: str, *, token: str | None = None) -> str:
        if token is None:
            return f"{self.base}/git/{user_id}/{repo}.git"
        return f"http://u:{token}@127.0.0.1:{self.server_address[1]}/git/{user_id}/{repo}.git"


class _Handler(BaseHTTPRequestHandler):
    server: GitServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(data)
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        body = self._body()
        parts = urlsplit(self.path)
        headers = dict(self.headers.items())
        with self.server.served.lock:
            self.server.served.requests.append((self.command, self.path, headers, body))
        if self.server.respond is not None:
            status, answer_headers, answer = self.server.respond(self.command, parts.path, parts.query, headers, body)
        else:
            found = basic_credentials(headers)
            user_id = self.server.tokens.get(found[1]) if found else None
            if user_id is None:
                status, answer_headers, answer = challenge().as_tuple()
            else:
                assert self.server.hosting is not None
                status, answer_headers, answer = self.server.hosting.serve(
                    self.command, parts.path, parts.query, headers, body, caller_user_id=user_id).as_tuple()
        with self.server.served.lock:
            self.server.served.answers.append((status, dict(answer_headers), answer))
        self.send_response(status)
        for name, value in answer_headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer)

    do_GET = do_POST = do_HEAD = _serve


@contextmanager
def git_server(hosting: GitHosting | None, tokens: Mapping[str, int] | None = None,
               respond: Any = None) -> Iterator[GitServer]:
    server = GitServer(hosting, tokens or {}, respond)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# ---------------------------------------------------------------------------------------------------------------
# Running Debian's git
# ---------------------------------------------------------------------------------------------------------------


def git_env(home: Path) -> dict[str, str]:
    """A git that reads no user or system configuration and never prompts."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": str(home / "gitconfig"),
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ASKPASS": "/bin/false",
        "GIT_AUTHOR_NAME": "Test Author",
        "GIT_AUTHOR_EMAIL": "author@example.com",
        "GIT_COMMITTER_NAME": "Test Author",
        "GIT_COMMITTER_EMAIL": "author@example.com",
        "LC_ALL": "C",
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "init.defaultBranch",
        "GIT_CONFIG_VALUE_0": "main",
    }


@dataclass(frozen=True)
class GitRun:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_git(home: Path, *args: str, cwd: Path | None = None, check: bool = True, timeout: float = 120) -> GitRun:
    done = subprocess.run(["git", *args], cwd=cwd, env=git_env(home), capture_output=True, text=True,
                          timeout=timeout, check=False)
    run = GitRun(done.returncode, done.stdout, done.stderr)
    if check and done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed ({done.returncode}):\n{run.output}")
    return run


def commit_file(home: Path, work: Path, name: str, content: str | bytes, message: str) -> str:
    path = work / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    run_git(home, "add", name, cwd=work)
    run_git(home, "commit", "-q", "-m", message, cwd=work)
    return run_git(home, "rev-parse", "HEAD", cwd=work).stdout.strip()
