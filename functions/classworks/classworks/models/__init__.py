"""Request and response bodies per endpoint group (pydantic): what the routes read and what the OpenAPI document
says they answer. Stored entities are plain dicts in store/ (decision 0008 leaves existing stores as they are)."""
