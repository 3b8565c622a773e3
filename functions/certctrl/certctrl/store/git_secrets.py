"""Proxy credentials at rest: the upstream token of a git proxy credential, sealed with KMS (suite.security.secret_box,
format `v1.<edk>.<nonce>.<ciphertext>`) under the encryption context

    {"service": "certctrl", "field": "git_proxy_secret", "user": <user id>, "credential": <credential id>}

so a sealed token copied to another user's catalog or another credential does not open. Opening raises
`SecretDecryptError` for a wrong context, key or a tampered value; KMS outages propagate unchanged. Nothing here
logs, and the plaintext never leaves the process except in the Authorization header of the proxied request.
"""

from __future__ import annotations

from suite.security.secret_box import SecretBox, SecretDecryptError, box_for, field_context

SERVICE = "certctrl"
FIELD = "git_proxy_secret"

__all__ = ["ProxySecrets", "SecretDecryptError"]


class ProxySecrets:
    def __init__(self, key_arn: str, box: SecretBox | None = None) -> None:
        self._box = box if box is not None else box_for(key_arn)

    def __repr__(self) -> str:
        return f"ProxySecrets({self._box!r})"

    def seal(self, secret: str, *, user_id: int | str, credential_id: int | str) -> str:
        return self._box.seal(secret, field_context(SERVICE, FIELD, user=user_id, credential=credential_id))

    def open(self, sealed: str, *, user_id: int | str, credential_id: int | str) -> str:
        return self._box.open(sealed, field_context(SERVICE, FIELD, user=user_id, credential=credential_id))
