from ccjk.api import ENVELOPE
from ccjk.routes import replies
from suite.api import http_function

app, handler = http_function(ENVELOPE, replies.router)
