from relay.api import ENVELOPE
from relay.routes import usage
from suite.api import http_function

app, handler = http_function(ENVELOPE, usage.router)
