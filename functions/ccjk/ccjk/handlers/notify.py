from ccjk.api import ENVELOPE
from ccjk.routes import notify
from suite.api import http_function

app, handler = http_function(ENVELOPE, notify.router)
