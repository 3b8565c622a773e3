from kook.access import auth_before_validation
from kook.api import ENVELOPE
from kook.routes import updates
from suite.api import http_function

app, handler = http_function(ENVELOPE, updates.router)
auth_before_validation(app)
