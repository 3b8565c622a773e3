"""TunnelsFunction: a user's tunnel sessions and webhook logs."""

from certctrl.api import ENVELOPE
from certctrl.routes import tunnels
from suite.api import http_function

app, handler = http_function(ENVELOPE, tunnels.router)
