"""DeviceConfigFunction: see routes/device_config.py."""

from certctrl.api import ENVELOPE
from certctrl.routes import device_config
from suite.api import http_function

app, handler = http_function(ENVELOPE, device_config.router)
