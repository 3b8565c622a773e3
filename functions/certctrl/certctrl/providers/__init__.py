"""certctrl providers (docs/ARCHITECTURE.md §4)."""
