"""DeviceSelfFunction: see routes/device_self.py."""

from certctrl.api import ENVELOPE
from certctrl.routes import device_self
from suite.api import http_function

app, handler = http_function(ENVELOPE, device_self.router)
