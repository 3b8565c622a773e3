"""GET /openapi.json and /swagger: the service's OpenAPI document, generated from all of its routers."""

from ccjk.api import ENVELOPE, TITLE, VERSION
from ccjk.routes import (
    admin,
    auth,
    bootstrap,
    cloud_sync,
    control,
    devices,
    health,
    notify,
    notify_test,
    public,
    replies,
    reply_callbacks,
    reply_poll,
    sessions,
    v1_auth,
    v1_catalog,
    v1_market,
    v8_catalog,
    v8_context,
    v8_market,
)
from suite.api import docs_function

ROUTERS = [health.router, devices.router, notify.router, auth.router, cloud_sync.router]
# Issue 18, the real client's core.
CLIENT_CORE = [sessions.router, notify_test.router, reply_poll.router, replies.router, reply_callbacks.router,
               control.router, bootstrap.router]
# Issue 18, the marketplace block: its routers carry their own envelopes (suite.api.Router(envelope=...)).
MARKET_ROUTERS = [public.router, v1_catalog.router, v1_market.router, v1_auth.router, v8_catalog.router,
                  v8_market.router, v8_context.router, admin.router]

app, handler = docs_function(ENVELOPE, ROUTERS + CLIENT_CORE + MARKET_ROUTERS, title=TITLE, version=VERSION)
