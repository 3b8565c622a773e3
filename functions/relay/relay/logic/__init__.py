"""relay logic: business rules in plain Python (no events, no boto3)."""
