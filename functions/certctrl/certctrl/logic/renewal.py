"""When a certificate is renewed, and the keys that make each renewal (and each expiry warning) happen once.

* With ARI (the CA's directory has `renewalInfo`; `providers.acme.AcmeClient.renewal_info`), the CA's suggested
  window rules: the renewal time is a point inside it, spread per certificate (a hash of the certificate id and
  serial, so replanning gives the same point and certificates do not all renew at the window's start), and the
  window is asked for again after the CA's Retry-After (`next_check`).
* Without ARI (pebble 2.4, private CAs), the window opens at two thirds of the lifetime (`not_before + 2/3 ×
  (not_after − not_before)`) and closes at `not_after`; the renewal time is the window's start.
* A window already past (a revoked certificate's ARI window is in the past) means: renew now.

`RenewalPlan.key` ("<cert_id>#<serial>#<window_start>") is the "at most once per window" key: the scheduler
enqueues a renewal only after a conditional put of that key succeeds (suite.idempotency or an item with
`attribute_not_exists`). A new certificate (new serial) or a moved ARI window makes a new key; a second sweep over
the same window does not. `renew_after` is what the certificate record keeps for the scheduler's index.

`expiry_warnings()` gives the thresholds (30, 14, 7, 3, 1 days before `not_after`) a certificate has crossed,
each with its own once-only key, for the notification events.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the ACME library is heavy; devices' routes never need it
    from certctrl.providers.acme import RenewalWindow


RENEW_FRACTION = 2 / 3
WARNING_DAYS = (30, 14, 7, 3, 1)
DAY = 86400


@dataclass(frozen=True)
class RenewalPlan:
    cert_id: str
    serial_hex: str
    renew_after: int  # epoch seconds: the scheduler enqueues when now >= renew_after
    window_start: int
    window_end: int
    source: str  # "ari" | "lifetime"
    next_check: int | None = None  # ARI: ask the CA again at this time

    @property
    def key(self) -> str:
        return f"{self.cert_id}#{self.serial_hex}#{self.window_start}"

    def due(self, now: int) -> bool:
        return now >= self.renew_after


def plan_renewal(*, cert_id: str, serial_hex: str, not_before: int, not_after: int, now: int,
                 ari: RenewalWindow | None = None, fraction: float = RENEW_FRACTION) -> RenewalPlan:
    if not_after <= not_before:
        raise ValueError("not_after must be after not_before")
    if not 0 < fraction < 1:
        raise ValueError("fraction must be between 0 and 1")
    serial = serial_hex.lower()
    if ari is not None:
        start, end = ari.start, max(ari.end, ari.start)
        # A window already over (e.g. after a revocation) means now; otherwise a stable point inside it.
        renew_after = now if end <= now else start + _spread(cert_id, serial, end - start)
        return RenewalPlan(cert_id, serial, renew_after, start, end, "ari", now + max(ari.retry_after, 60))
    start = not_before + int((not_after - not_before) * fraction)
    return RenewalPlan(cert_id, serial, start, start, not_after, "lifetime")


def _spread(cert_id: str, serial: str, span: int) -> int:
    if span <= 0:
        return 0
    digest = hashlib.sha256(f"{cert_id}#{serial}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % span


@dataclass(frozen=True)
class ExpiryWarning:
    cert_id: str
    serial_hex: str
    threshold_days: int
    days_left: int
    not_after: int

    @property
    def key(self) -> str:
        return f"{self.cert_id}#{self.serial_hex}#expiry#{self.threshold_days}"


def expiry_warnings(*, cert_id: str, serial_hex: str, not_after: int, now: int,
                    thresholds: tuple[int, ...] = WARNING_DAYS) -> list[ExpiryWarning]:
    """Every threshold the certificate is within (smallest first: the most urgent). Emit each once (its key); a
    certificate already expired gives the 0-day warning."""
    left = not_after - now
    days_left = max(left // DAY, 0) if left > 0 else 0
    found = [t for t in sorted(set(thresholds)) if left <= t * DAY]
    if left <= 0:
        found = [0, *found]
    return [ExpiryWarning(cert_id, serial_hex.lower(), t, int(days_left), not_after) for t in found]
