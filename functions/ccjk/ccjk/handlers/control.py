from ccjk.api import ENVELOPE
from ccjk.routes import control
from suite.api import http_function

app, handler = http_function(ENVELOPE, control.router)
