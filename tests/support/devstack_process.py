"""Run `python -m devstack up` as a real process for end-to-end tests (free ports, ready file, clean stop)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import requests

from tests.support.lambda_events import REPO_ROOT

READY_TIMEOUT_SECONDS = 90


class DevStackProcess:
    def __init__(self, template: Path, workdir: Path, *extra: str) -> None:
        self.template = template
        self.workdir = workdir
        self.extra = list(extra)
        self.ready_file = workdir / "ready.json"
        self.log_file = workdir / "devstack.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.status: dict[str, Any] = {}

    def start(self) -> DevStackProcess:
        self.ready_file.unlink(missing_ok=True)
        env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
        command = [sys.executable, "-m", "devstack", "up", "--template", str(self.template), "--ephemeral-ports",
                   "--ready-file", str(self.ready_file), *self.extra]
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=log)
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while not self.ready_file.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"devstack did not start:\n{self.log_file.read_text()[-4000:]}")
            time.sleep(0.1)
        self.status = json.loads(self.ready_file.read_text())
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def url(self, service: str) -> str:
        return self.status["services"][service]

    @property
    def control(self) -> str:
        return self.status["control"]

    def aws(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.status["aws_endpoint"], region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def fire(self, name: str) -> dict[str, Any]:
        return requests.post(f"{self.control}/schedules/{name}/fire", timeout=60).json()

    def logs(self) -> str:
        return self.log_file.read_text(encoding="utf-8", errors="replace")


def wait_until(predicate, *, timeout: float = 30, interval: float = 0.2, message: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {message}")
