"""SignInFunction: /auth/github, /auth/weixin (and their callbacks), /auth/solana."""

from certctrl.api import ENVELOPE
from certctrl.routes import sign_in
from suite.api import http_function

app, handler = http_function(ENVELOPE, sign_in.router)
