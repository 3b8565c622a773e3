"""relay models (docs/ARCHITECTURE.md §4)."""
