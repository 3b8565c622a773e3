"""AuthFunction: /auth/general, status, logout, profile, third-party bindings, refresh."""

from certctrl.api import ENVELOPE
from certctrl.routes import auth
from suite.api import http_function

app, handler = http_function(ENVELOPE, auth.router)
