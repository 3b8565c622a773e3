"""ChallengesFunction: see routes/challenges.py."""

from certctrl.api import ENVELOPE
from certctrl.routes import challenges
from suite.api import http_function

app, handler = http_function(ENVELOPE, challenges.router)
