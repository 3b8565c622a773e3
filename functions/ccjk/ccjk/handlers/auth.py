from ccjk.api import ENVELOPE
from ccjk.routes import auth, sessions
from suite.api import http_function

app, handler = http_function(ENVELOPE, auth.router, sessions.router)
