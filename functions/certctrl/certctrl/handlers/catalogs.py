"""CatalogsFunction: permissions, DNS providers, payment channels, FX rates."""

from certctrl.api import ENVELOPE
from certctrl.routes import catalogs
from suite.api import http_function

app, handler = http_function(ENVELOPE, catalogs.router)
