"""HTTP-01 key authorizations served from `GET /.well-known/acme-challenge/{token}` (AcmeChallengeFunction): a CA's
validator waits for this answer, so the function imports only what the lookup needs."""

from __future__ import annotations

import re

from certctrl import clock
from certctrl.store import challenges
from suite.errors import NotFound

TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # base64url (RFC 8555 §8.3: at least 128 bits)


def key_authorization(token: str) -> str:
    item = challenges.get(token) if TOKEN.match(token) else None
    if item is None or int(item.expires_at) <= clock.epoch():
        raise NotFound("No such challenge", code="404")
    return str(item.key_authorization)
