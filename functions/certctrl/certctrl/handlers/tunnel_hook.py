"""TunnelHookFunction: POST /hooks/{tunnel_id} (relayed to the device's tunnel, bounded wait)."""

from certctrl.api import ENVELOPE
from certctrl.routes import tunnels
from suite.api import http_function

app, handler = http_function(ENVELOPE, tunnels.hooks)
