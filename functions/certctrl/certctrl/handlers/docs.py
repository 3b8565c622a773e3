"""GET /openapi.json and /swagger: the service's OpenAPI document, generated from all of its routers."""

from certctrl.api import ENVELOPE, TITLE, VERSION
from certctrl.routes import (
    acme_accounts,
    acme_challenge,
    apikeys,
    auth,
    cas,
    catalogs,
    certificates,
    challenges,
    device_assets,
    device_config,
    device_login,
    device_self,
    device_updates,
    devices,
    health,
)
from certctrl.routes import extras as extras_routes  # issue 19
from certctrl.routes import notifications as notifications_routes  # issue 19
from certctrl.routes import sign_in as sign_in_routes  # issue 19
from certctrl.routes import tunnels as tunnels_routes  # issue 19
from certctrl.routes import webauthn as webauthn_routes  # issue 19
from suite.api import docs_function

ROUTERS = [health.router, auth.router, device_login.router, devices.router, device_config.router,
           device_assets.router, device_updates.router, device_self.router, apikeys.router, catalogs.router,
           acme_accounts.router, certificates.router, cas.router, challenges.router, acme_challenge.router]
ROUTERS += [webauthn_routes.router, notifications_routes.router, sign_in_routes.router, tunnels_routes.router,
            tunnels_routes.hooks, extras_routes.router]  # issue 19

app, handler = docs_function(ENVELOPE, ROUTERS, title=TITLE, version=VERSION)
