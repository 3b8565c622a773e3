"""NotifyTestFunction: POST /notify/test sends at once (its own function: it opens channel secrets and calls
the robots, which the queueing NotifyFunction never does)."""

from ccjk.api import ENVELOPE
from ccjk.routes import notify_test
from suite.api import http_function

app, handler = http_function(ENVELOPE, notify_test.router)
