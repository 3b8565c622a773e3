"""ReplyCallbackFunction: the Feishu, DingTalk and WeCom callbacks (platform-signed, no device token)."""

from ccjk.api import ENVELOPE
from ccjk.routes import reply_callbacks
from suite.api import http_function

app, handler = http_function(ENVELOPE, reply_callbacks.router)
