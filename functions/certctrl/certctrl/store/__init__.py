"""certctrl store (docs/ARCHITECTURE.md §4)."""
