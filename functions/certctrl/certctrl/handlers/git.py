"""GitFunction: git repositories, tags, proxy credentials and Git smart HTTP (clone, fetch, push)."""

from certctrl.api import ENVELOPE
from certctrl.routes import git
from suite.api import http_function

app, handler = http_function(ENVELOPE, git.router)
