from relay.api import ENVELOPE
from relay.routes import admin_account_groups, admin_accounts, admin_oauth
from suite.api import http_function

app, handler = http_function(ENVELOPE, admin_accounts.router, admin_account_groups.router, admin_oauth.router)
