"""certctrl logic (docs/ARCHITECTURE.md §4)."""
