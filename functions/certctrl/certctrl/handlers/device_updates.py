"""DeviceUpdatesFunction: GET /apiv1/devices/self/updates (long poll) and POST /apiv1/devices/self/notify."""

from certctrl.api import ENVELOPE
from certctrl.routes import device_updates
from suite.api import http_function

app, handler = http_function(ENVELOPE, device_updates.router)
