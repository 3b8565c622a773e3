from kook.api import ENVELOPE
from kook.routes import auth
from suite.api import http_function

app, handler = http_function(ENVELOPE, auth.router)
