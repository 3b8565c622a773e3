"""What ccjk routes read from a request besides their body and their caller: the client's address, a header."""

from __future__ import annotations

from suite import auth
from suite.api import Router


def source_ip(router: Router) -> str:
    return auth.source_ip(router.current_event)


def header(router: Router, name: str) -> str | None:
    """A request header, case-insensitively, trimmed; None when absent or blank."""
    return auth.header(router.current_event, name)
