"""ExtrasFunction: /apiv1/iroiro and /txt-as-url-response (feature-flagged)."""

from certctrl.api import ENVELOPE
from certctrl.routes import extras
from suite.api import http_function

app, handler = http_function(ENVELOPE, extras.router)
