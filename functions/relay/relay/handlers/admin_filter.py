from relay.api import ENVELOPE
from relay.routes import admin_client_filter, admin_proxy_configs
from suite.api import http_function

app, handler = http_function(ENVELOPE, admin_client_filter.router, admin_proxy_configs.router)
