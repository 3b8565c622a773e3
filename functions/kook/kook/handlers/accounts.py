from kook.api import ENVELOPE
from kook.routes import accounts
from suite.api import http_function

app, handler = http_function(ENVELOPE, accounts.router)
