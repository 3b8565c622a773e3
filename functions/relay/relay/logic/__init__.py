"""relay logic (docs/ARCHITECTURE.md §4)."""
