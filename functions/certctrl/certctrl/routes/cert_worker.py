"""CertWorkerFunction's SQS records → logic/cert_jobs.py; RenewalSweepFunction's schedule → logic/renewals.py."""

from __future__ import annotations

from typing import Any

from certctrl.logic import cert_jobs, renewals


def job(record: Any) -> None:
    cert_jobs.handle(record.body)


def sweep(_event: Any = None) -> dict[str, Any]:
    return renewals.sweep().summary()
