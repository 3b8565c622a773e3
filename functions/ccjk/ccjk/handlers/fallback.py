"""FallbackFunction: the HTTP API's `$default` route. Every request no other route serves (an unknown path, or a
known path with a method it does not take) gets 404 `NOT_FOUND` in ccjk's envelope instead of API Gateway's
`{"message":"Not Found"}`; the clients parse every error body."""

from ccjk.api import ENVELOPE
from suite.api import http_function

app, handler = http_function(ENVELOPE)
