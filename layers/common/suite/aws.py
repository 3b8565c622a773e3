"""boto3 clients, created once per execution environment and only when first used.

The first boto3 client costs most of its import time, so nothing here runs at import. boto3 itself honours
AWS_ENDPOINT_URL, which is how the local stack points every function at the embedded moto server.
"""

from __future__ import annotations

import functools
from typing import Any


@functools.cache
def client(service_name: str) -> Any:
    import boto3  # noqa: PLC0415  (lazy: keep boto3 out of cold starts that never call AWS)

    return boto3.session.Session().client(service_name)


def reset_clients() -> None:
    """Forget cached clients (tests switch endpoints and credentials between cases)."""
    client.cache_clear()
