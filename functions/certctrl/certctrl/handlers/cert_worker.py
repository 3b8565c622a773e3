"""CertWorkerFunction: the certificate jobs queue (issue steps, re-wraps, renewals); see routes/cert_worker.py."""

from certctrl.routes import cert_worker
from suite.workers import sqs_consumer

handler = sqs_consumer(cert_worker.job)
