"""DevicesFunction: see routes/devices.py."""

from certctrl.api import ENVELOPE
from certctrl.routes import devices
from suite.api import http_function

app, handler = http_function(ENVELOPE, devices.router)
