"""DeviceAssetsFunction: see routes/device_assets.py."""

from certctrl.api import ENVELOPE
from certctrl.routes import device_assets
from suite.api import http_function

app, handler = http_function(ENVELOPE, device_assets.router)
