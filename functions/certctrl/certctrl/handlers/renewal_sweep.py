"""RenewalSweepFunction: the renewal and expiry-warning sweep (EventBridge Scheduler); see routes/cert_worker.py."""

from certctrl.routes import cert_worker
from suite.workers import scheduled

handler = scheduled(cert_worker.sweep)
