"""ccjk: the cloud backend for Claude Code clients (devices, notifications, auth, cloud sync, marketplaces)."""
