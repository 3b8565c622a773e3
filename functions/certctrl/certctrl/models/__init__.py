"""certctrl models (docs/ARCHITECTURE.md §4)."""
