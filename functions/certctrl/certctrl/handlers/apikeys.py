"""ApiKeysFunction: /apiv1/users/{user_id}/apikeys[/{apikey_id}] and /apiv1/me/apikeys."""

from certctrl.api import ENVELOPE
from certctrl.routes import apikeys
from suite.api import http_function

app, handler = http_function(ENVELOPE, apikeys.router)
