from ccjk.api import ENVELOPE
from ccjk.routes import cloud_sync
from suite.api import http_function

app, handler = http_function(ENVELOPE, cloud_sync.router)
