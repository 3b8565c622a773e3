"""PollFunction (EventBridge Scheduler, every minute): poll KOOK for accounts without a webhook."""

from kook.routes import ingest
from suite.workers import scheduled

handler = scheduled(ingest.poll)
