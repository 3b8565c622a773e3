"""LiveStatusFunction (every minute): status pushes to the live-log clients; revoked logins closed."""

from kook.routes import live
from suite.workers import scheduled

handler = scheduled(live.push_status)
