from relay.api import ENVELOPE
from relay.routes import auth
from suite.api import http_function

app, handler = http_function(ENVELOPE, auth.router)
