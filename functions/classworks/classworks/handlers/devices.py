from classworks.api import ENVELOPE
from classworks.routes import accounts, devices
from suite.api import http_function

app, handler = http_function(ENVELOPE, devices.router, accounts.router)
