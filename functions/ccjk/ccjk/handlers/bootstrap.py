from ccjk.api import ENVELOPE
from ccjk.routes import bootstrap
from suite.api import http_function

app, handler = http_function(ENVELOPE, bootstrap.router)
