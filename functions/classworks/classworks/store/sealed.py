"""Secrets sealed with KMS envelope encryption (suite.security.secret_box, the key SECRETS_KEY_ARN): app tokens
on their install items (the one route that shows tokens again opens them) and tokens waiting on a device code.
The encryption context names the service, the field and the owner, so a value copied elsewhere cannot be opened.
"""

from __future__ import annotations

from classworks import config
from suite.security.secret_box import box_for, field_context

SERVICE = "classworks"


def seal(plaintext: str, field: str, **owner: str) -> str:
    return box_for(config.secrets_key_arn()).seal(plaintext, field_context(SERVICE, field, **owner))


def unseal(sealed: str, field: str, **owner: str) -> str:
    return box_for(config.secrets_key_arn()).open(sealed, field_context(SERVICE, field, **owner))
