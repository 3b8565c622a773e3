"""ReplayFunction (no trigger): move dead-lettered jobs back, e.g. `{"queue": "discord", "limit": 100}`."""

from kook.routes import maintenance
from suite.workers import scheduled

handler = scheduled(maintenance.replay_dead_letters)
