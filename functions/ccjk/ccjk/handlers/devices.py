from ccjk.api import ENVELOPE
from ccjk.routes import devices
from suite.api import http_function

app, handler = http_function(ENVELOPE, devices.router)
