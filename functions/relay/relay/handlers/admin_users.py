from relay.api import ENVELOPE
from relay.routes import admin_api_keys, admin_user_packages, admin_users
from suite.api import http_function

app, handler = http_function(ENVELOPE, admin_users.router, admin_api_keys.router, admin_user_packages.router)
