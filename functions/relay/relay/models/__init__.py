"""relay models: stored entities (entities.py, PynamoDB) and request/response bodies per group."""
