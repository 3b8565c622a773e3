"""CatalogFunction: the public API and API v1's catalogue reads."""

from ccjk.api import MARKET_ENVELOPE
from ccjk.routes import public, v1_catalog
from suite.api import http_function

app, handler = http_function(MARKET_ENVELOPE, public.router, v1_catalog.router)
