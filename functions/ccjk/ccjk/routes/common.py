"""What ccjk routes read from a request besides their parameters, body and caller: the client's address (the
service limits anonymous registrations, logins and bind attempts per address)."""

from __future__ import annotations

from suite import auth
from suite.api import Router


def source_ip(router: Router) -> str:
    return auth.source_ip(router.current_event)
