"""Service logic: plain Python over the store and the providers, raising kook.errors; no HTTP event types."""
