"""ReplyPollFunction: GET /reply/poll, the long poll (its own timeout and concurrency)."""

from ccjk.api import ENVELOPE
from ccjk.routes import reply_poll
from suite.api import http_function

app, handler = http_function(ENVELOPE, reply_poll.router)
