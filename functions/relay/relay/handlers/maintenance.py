"""Every minute (EventBridge Scheduler): accounts whose rest is over recover, OAuth tokens are refreshed ahead."""

from relay.routes import maintenance
from suite.workers import scheduled

handler = scheduled(maintenance.run)
