"""BackupScheduleFunction (EventBridge Scheduler): one automatic backup per slot, then the retention."""

from kook.routes import maintenance
from suite.workers import scheduled

handler = scheduled(maintenance.automatic_backup)
