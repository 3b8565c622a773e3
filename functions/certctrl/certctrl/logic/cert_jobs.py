"""The certificate jobs queue's messages (CertWorkerFunction), one handler per `kind`:

    {"kind": "issue.advance", "user_id", "cert_id", "issue_id"}   one step of an ACME issue (logic/issuing.py)
    {"kind": "cert.rewrap", "user_id", "cert_id"}                 seal the data key for every device that needs it
    {"kind": "cert.renew", "user_id", "cert_id", "window_key"}    a renewal the sweep queued (logic/renewals.py)

A message that is not one of these is dropped (logged); a failure raises, so SQS delivers the message again
(five times, then the dead-letter queue with its alarm). Every handler is safe to run twice.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from certctrl.logic import delivery, issuing
from certctrl.store import certificates
from suite import observability


def _ids(message: Mapping[str, Any], *names: str) -> list[int]:
    values = []
    for name in names:
        value = message.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer")
        values.append(value)
    return values


def handle(body: str) -> None:
    try:
        message = json.loads(body)
        kind = message.get("kind") if isinstance(message, dict) else None
        if kind == "issue.advance":
            user_id, cert_id, issue_id = _ids(message, "user_id", "cert_id", "issue_id")
        elif kind in ("cert.rewrap", "cert.renew"):
            user_id, cert_id = _ids(message, "user_id", "cert_id")
        else:
            raise ValueError(f"unknown kind {kind!r}")
    except (ValueError, TypeError, AttributeError) as exc:
        observability.logger().warning("certificate job dropped", extra={"reason": str(exc)})
        return
    if kind == "issue.advance":
        issuing.advance(user_id, cert_id, issue_id)
    elif kind == "cert.rewrap":
        record = certificates.certificate(user_id, cert_id)
        if record is not None:
            delivery.rewrap(record)
    else:
        issuing.renew(user_id, cert_id, str(message.get("window_key") or ""))
