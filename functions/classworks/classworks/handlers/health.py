from classworks.api import ENVELOPE
from classworks.routes import health
from suite.api import http_function

app, handler = http_function(ENVELOPE, health.router)
