"""CertificatesFunction: see routes/certificates.py."""

from certctrl.api import ENVELOPE
from certctrl.routes import certificates
from suite.api import http_function

app, handler = http_function(ENVELOPE, certificates.router)
