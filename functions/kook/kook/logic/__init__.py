"""Service logic: plain Python over the store and the providers, raising kook.errors; no events, no boto3."""
