"""TrimFunction (daily): what TTL cannot express (logs beyond a lowered retention, stale cursors and connections)."""

from kook.routes import maintenance
from suite.workers import scheduled

handler = scheduled(maintenance.trim)
