"""relay providers (docs/ARCHITECTURE.md §4)."""
