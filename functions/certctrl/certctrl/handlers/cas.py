"""CasFunction: see routes/cas.py."""

from certctrl.api import ENVELOPE
from certctrl.routes import cas
from suite.api import http_function

app, handler = http_function(ENVELOPE, cas.router)
