"""AcmeAccountsFunction: see routes/acme_accounts.py."""

from certctrl.api import ENVELOPE
from certctrl.routes import acme_accounts
from suite.api import http_function

app, handler = http_function(ENVELOPE, acme_accounts.router)
