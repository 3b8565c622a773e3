"""V8CatalogFunction: API v8 catalogue."""

from ccjk.api import V8_ENVELOPE
from ccjk.routes import v8_catalog
from suite.api import http_function

app, handler = http_function(V8_ENVELOPE, v8_catalog.router)
