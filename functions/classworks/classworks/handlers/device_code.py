from classworks.api import ENVELOPE
from classworks.routes import device_code
from suite.api import http_function

app, handler = http_function(ENVELOPE, device_code.router)
