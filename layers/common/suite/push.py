"""Pushes to API Gateway WebSocket connections through the management API (`PostToConnection`,
`DeleteConnection`), telling "gone" apart from a failure.

A connection is gone when API Gateway answers 410 (`GoneException`): the client left without a `$disconnect`
reaching us, or the connection hit its two-hour limit. Callers drop their record of it then; any other error
is raised, so a stream or queue consumer can retry.

`endpoint` is the stage's management URL, `https://<api-id>.execute-api.<region>.amazonaws.com/<stage>` (the
local stack rewrites that origin to its own port in function environments).
"""

from __future__ import annotations

from typing import Any

from suite import aws


def is_gone(error: BaseException) -> bool:
    """True when a management API error says the connection no longer exists (HTTP 410)."""
    response = getattr(error, "response", None) or {}
    code = (response.get("Error") or {}).get("Code", "")
    status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
    return code in ("GoneException", "410") or status == 410


def management(endpoint: str) -> Any:
    """The cached `apigatewaymanagementapi` client of one stage."""
    return aws.client("apigatewaymanagementapi", endpoint.rstrip("/"))


def post(endpoint: str, connection_id: str, data: bytes) -> bool:
    """Send `data` to one connection: True when sent, False when the connection is gone."""
    try:
        management(endpoint).post_to_connection(ConnectionId=connection_id, Data=data)
    except Exception as exc:
        if is_gone(exc):
            return False
        raise
    return True


def close(endpoint: str, connection_id: str) -> bool:
    """Close one connection from the server side: True when it was open, False when it was already gone."""
    try:
        management(endpoint).delete_connection(ConnectionId=connection_id)
    except Exception as exc:
        if is_gone(exc):
            return False
        raise
    return True
