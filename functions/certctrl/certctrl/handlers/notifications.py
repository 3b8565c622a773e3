"""NotificationsFunction: channels, subscriptions, templates, the WeChat handshake."""

from certctrl.api import ENVELOPE
from certctrl.routes import notifications
from suite.api import http_function

app, handler = http_function(ENVELOPE, notifications.router)
