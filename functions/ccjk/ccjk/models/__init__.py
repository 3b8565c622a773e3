"""ccjk's shapes: request and response bodies per endpoint group (devices, notify, auth, cloud_sync) as pydantic
models, and the stored entities as dataclasses (entities)."""
