"""Web sessions (cookie `cjj365`), kept by the digest of their id."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from certctrl.models.entities import WebSession


def key(session_digest: str) -> str:
    return f"SESSION#{session_digest}"


def save(session: WebSession) -> None:
    session.save(condition=WebSession.pk.does_not_exist())


def get(session_digest: str) -> WebSession | None:
    try:
        return WebSession.get(key(session_digest), "SESSION", consistent_read=True)
    except DoesNotExist:
        return None


def delete(session_digest: str) -> None:
    WebSession(key(session_digest), "SESSION").delete()
