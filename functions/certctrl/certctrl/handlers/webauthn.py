"""WebauthnFunction: /auth/webauthn/* (register, login, step-up; credentials)."""

from certctrl.api import ENVELOPE
from certctrl.routes import webauthn
from suite.api import http_function

app, handler = http_function(ENVELOPE, webauthn.router)
