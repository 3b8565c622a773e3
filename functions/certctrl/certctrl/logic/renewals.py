"""The renewal sweep (RenewalSweepFunction, an EventBridge schedule): due certificates are queued for renewal,
each at most once per renewal window, and expiry warnings go out as events, each threshold once.

* Due: the sparse `by_renewal` index, one Query per shard for `renew_after <= now` (the ARI window's point, or two
  thirds of the lifetime; docs/certctrl-certificates.md §5). The window's once-key
  (`<cert_id>#<serial>#<window_start>`) is claimed with a conditional put (TTL after the window) before the
  `cert.renew` message is sent: a second sweep in the same window sends nothing; a renewed certificate (new serial)
  or a moved ARI window is a new key. A message that cannot be sent gives its key back. A renewal that fails is
  not queued again in the same window: the expiry warnings report it, and `POST .../issues` retries by hand.
* Expiring: the sparse `by_expiry` index, `not_after <= now + 30 days`. Every crossed threshold (30, 14, 7, 3, 1
  days, 0 = expired) is claimed once; the most urgent newly claimed one becomes one EventBridge event:

      source "certctrl", detail-type "certctrl.certificate.expiring", detail {event_key, user_id, cert_id,
      domain_name, sans, serial_number, not_after, days_left, threshold_days, expired, auto_renew, renew_after,
      last_issue_status}

  (docs/certctrl.md §8 documents the shape for the notifications of issue 19).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from certctrl import clock, config
from certctrl.logic import delivery, renewal
from certctrl.models.entities import CertificateRecord
from certctrl.store import certificates, events, issues, jobs, once

EXPIRY_HORIZON = 30 * 86400
DETAIL_TYPE = "certctrl.certificate.expiring"
EVENT_KEY = "certificate.expiring"


@dataclass
class SweepResult:
    due: int = 0
    queued: list[int] = field(default_factory=list)
    warned: list[tuple[int, int]] = field(default_factory=list)  # (cert id, threshold days)

    def summary(self) -> dict[str, Any]:
        return {"due": self.due, "queued": self.queued, "warned": [list(w) for w in self.warned]}


def _shards(prefix: str) -> list[str]:
    return [f"{prefix}{n}" for n in range(config.get().renew_shards)]


def sweep(now: int | None = None) -> SweepResult:
    now = clock.epoch() if now is None else now
    result = SweepResult()
    budget = config.get().renewal_batch
    keys = [key for shard in _shards("R") for key in certificates.due_for_renewal(shard, now, budget)]
    result.due = len(keys)
    for record in certificates.certificates_by_keys(keys[:budget]):
        if queue_renewal(record, now):
            result.queued.append(int(record.id))
    expiring = [key for shard in _shards("X") for key in certificates.expiring(shard, now + EXPIRY_HORIZON,
                                                                                   budget)]
    for record in certificates.certificates_by_keys(expiring[:budget]):
        threshold = warn(record, now)
        if threshold is not None:
            result.warned.append((int(record.id), threshold))
    return result


def window_key(record: CertificateRecord) -> str:
    return f"{int(record.id)}#{delivery.serial_hex(record)}#{int(record.renew_window_start or record.renew_after)}"


def queue_renewal(record: CertificateRecord, now: int) -> bool:
    if not record.auto_renew or not record.serial_number or not record.renew_after or record.renew_after > now:
        return False
    key = window_key(record)
    end = int(record.renew_window_end or record.not_after or now)
    if not once.claim(f"renew#{key}", now=now, expires_at=max(end, now) + 86400):
        return False
    try:
        jobs.send({"kind": "cert.renew", "user_id": int(record.user_id), "cert_id": int(record.id),
                   "window_key": key})
    except Exception:
        once.forget(f"renew#{key}")
        raise
    return True


def warn(record: CertificateRecord, now: int) -> int | None:
    """The threshold of the warning sent for `record` now (None: nothing new to say)."""
    if not record.serial_number or not record.not_after:
        return None
    found = renewal.expiry_warnings(cert_id=str(int(record.id)), serial_hex=delivery.serial_hex(record),
                                    not_after=int(record.not_after), now=now)
    claimed = [w for w in found if once.claim(f"expiry#{w.key}", now=now,
                                              expires_at=int(record.not_after) + 31 * 86400)]
    if not claimed:
        return None
    urgent = min(claimed, key=lambda w: w.threshold_days)
    last = None
    if record.current_issue_id or record.issue_count:
        page, _total = issues.history(int(record.id), offset=0, limit=1)
        last = page[0].status if page else None
    try:
        events.put(DETAIL_TYPE, expiring_event(record, urgent, last_issue_status=last))
    except Exception:
        for w in claimed:
            once.forget(f"expiry#{w.key}")
        raise
    return urgent.threshold_days


def expiring_event(record: CertificateRecord, warning: renewal.ExpiryWarning, *,
                   last_issue_status: str | None) -> dict[str, Any]:
    return {"event_key": EVENT_KEY, "user_id": int(record.user_id), "cert_id": int(record.id),
            "domain_name": record.domain_name, "sans": list(record.sans or []),
            "serial_number": record.serial_number, "not_after": int(record.not_after),
            "days_left": warning.days_left, "threshold_days": warning.threshold_days,
            "expired": warning.threshold_days == 0, "auto_renew": bool(record.auto_renew),
            "renew_after": int(record.renew_after) if record.renew_after else None,
            "last_issue_status": last_issue_status}
