from kook.api import ENVELOPE
from kook.routes import backup
from suite.api import http_function

app, handler = http_function(ENVELOPE, backup.router)
