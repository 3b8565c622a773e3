"""boto3 clients, created once per execution environment and only when first used.

The first boto3 client costs most of its import time, so nothing here runs at import. boto3 itself honours
AWS_ENDPOINT_URL, which is how the local stack points every function at the embedded moto server.

All clients come from one session, created under a lock (a boto3 Session is not thread-safe; its clients are).
A function that uses DynamoDB, SQS and KMS thus reads the endpoint and model files once, not once per client,
and the model loader outlives `reset_clients`, so tests that reset between cases do not re-read them either.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

_lock = threading.Lock()
_session: Any = None


@functools.cache
def _model_loader() -> Any:
    import botocore.loaders  # noqa: PLC0415

    return botocore.loaders.create_loader()


def _current_session() -> Any:
    global _session  # noqa: PLW0603  (one session per process, created on first use)
    if _session is None:
        import boto3  # noqa: PLC0415  (lazy: keep boto3 out of cold starts that never call AWS)
        import botocore.session  # noqa: PLC0415

        core = botocore.session.get_session()
        core.register_component("data_loader", _model_loader())
        _session = boto3.session.Session(botocore_session=core)
    return _session


@functools.cache
def client(service_name: str, endpoint_url: str | None = None) -> Any:
    """The process's client for `service_name` (at `endpoint_url` when one is given, e.g. a WebSocket API's
    management endpoint)."""
    with _lock:
        return _current_session().client(service_name, endpoint_url=endpoint_url)


def reset_clients() -> None:
    """Forget cached clients and the session (tests switch endpoints and credentials between cases)."""
    global _session  # noqa: PLW0603
    with _lock:
        client.cache_clear()
        _session = None
