"""relay store (docs/ARCHITECTURE.md §4)."""
