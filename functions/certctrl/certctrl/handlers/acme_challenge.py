"""AcmeChallengeFunction: see routes/acme_challenge.py."""

from certctrl.api import ENVELOPE
from certctrl.routes import acme_challenge
from suite.api import http_function

app, handler = http_function(ENVELOPE, acme_challenge.router)
