"""GET /openapi.json and /swagger: the service's OpenAPI document, generated from all of its routers."""

from ccjk.api import ENVELOPE, TITLE, VERSION
from ccjk.routes import (
    auth,
    bootstrap,
    cloud_sync,
    control,
    devices,
    health,
    notify,
    notify_test,
    replies,
    reply_callbacks,
    reply_poll,
    sessions,
)
from suite.api import docs_function

ROUTERS = [health.router, devices.router, notify.router, auth.router, cloud_sync.router]
# Issue 18, the real client's core.
CLIENT_CORE = [sessions.router, notify_test.router, reply_poll.router, replies.router, reply_callbacks.router,
               control.router, bootstrap.router]

app, handler = docs_function(ENVELOPE, ROUTERS + CLIENT_CORE, title=TITLE, version=VERSION)
