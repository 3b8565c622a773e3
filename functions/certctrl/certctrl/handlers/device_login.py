"""DeviceLoginFunction: POST /auth/device, /apiv1/device/registration, /apiv1/me/devices."""

from certctrl.api import ENVELOPE
from certctrl.routes import device_login
from suite.api import http_function

app, handler = http_function(ENVELOPE, device_login.router)
