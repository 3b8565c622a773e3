"""certctrl's secrets at rest: KMS envelopes (suite.security.secret_box, format `v1.<edk>.<nonce>.<ciphertext>`).

Every secret the certificate engines hand over is sealed here before it is written, under an encryption context
that names the service, the field and the ids of the row that owns it, so a sealed value copied to another user's
row, another CA or another field does not open:

    field                   owner ids                    what
    acme_account_key        user, account                ACME account private key (PEM)
    acme_eab_hmac_key       user, account                ZeroSSL's EAB HMAC key (text)
    ca_private_key          user, ca                     a private CA's key (PEM); the CA row's enc_scheme is 1
    pending_private_key     user, cert, issue            the key of an issue in progress (PEM), until it succeeds
    cert_data_key           user, cert                   the certificate's 32-byte data key: the "master wrap"

The master wrap replaces the original's `cert_record_master_wrapped` + `master_keys` tables: KMS holds the master
key. Opening raises `SecretDecryptError` for a wrong context, another key or a tampered value, and lets KMS outages
through unchanged (the caller retries). Nothing here logs.
"""

from __future__ import annotations

import enum

from certctrl import config
from suite.security.secret_box import SecretBox, SecretDecryptError, box_for, field_context

SERVICE = "certctrl"
DATA_KEY_BYTES = 32

__all__ = ["Field", "KeyVault", "SecretDecryptError", "vault"]


class Field(enum.StrEnum):
    ACCOUNT_KEY = "acme_account_key"
    EAB_HMAC_KEY = "acme_eab_hmac_key"
    CA_KEY = "ca_private_key"
    PENDING_KEY = "pending_private_key"
    DATA_KEY = "cert_data_key"


class KeyVault:
    """Seal and open certctrl's secrets under one KMS key (the stack's SECRETS_KEY_ARN)."""

    def __init__(self, key_arn: str, box: SecretBox | None = None) -> None:
        self._box = box if box is not None else box_for(key_arn)

    def __repr__(self) -> str:
        return f"KeyVault({self._box!r})"

    # -- generic ---------------------------------------------------------------------------------------------------

    def seal(self, field: Field, secret: bytes | str, **owner: str | int) -> str:
        if not owner:
            raise ValueError("a sealed secret needs the ids of the row that owns it")
        return self._box.seal(secret, field_context(SERVICE, field.value, **owner))

    def open_bytes(self, field: Field, sealed: str, **owner: str | int) -> bytes:
        return self._box.open_bytes(sealed, field_context(SERVICE, field.value, **owner))

    # -- named fields ----------------------------------------------------------------------------------------------

    def seal_account_key(self, pem: bytes, *, user_id: str | int, account_id: str | int) -> str:
        return self.seal(Field.ACCOUNT_KEY, pem, user=user_id, account=account_id)

    def open_account_key(self, sealed: str, *, user_id: str | int, account_id: str | int) -> bytes:
        return self.open_bytes(Field.ACCOUNT_KEY, sealed, user=user_id, account=account_id)

    def seal_eab_hmac_key(self, hmac_key: str, *, user_id: str | int, account_id: str | int) -> str:
        return self.seal(Field.EAB_HMAC_KEY, hmac_key, user=user_id, account=account_id)

    def open_eab_hmac_key(self, sealed: str, *, user_id: str | int, account_id: str | int) -> str:
        return self.open_bytes(Field.EAB_HMAC_KEY, sealed, user=user_id, account=account_id).decode("utf-8")

    def seal_ca_key(self, pem: bytes, *, user_id: str | int, ca_id: str | int) -> str:
        return self.seal(Field.CA_KEY, pem, user=user_id, ca=ca_id)

    def open_ca_key(self, sealed: str, *, user_id: str | int, ca_id: str | int) -> bytes:
        return self.open_bytes(Field.CA_KEY, sealed, user=user_id, ca=ca_id)

    def seal_pending_key(self, pem: bytes, *, user_id: str | int, cert_id: str | int, issue_id: str | int) -> str:
        return self.seal(Field.PENDING_KEY, pem, user=user_id, cert=cert_id, issue=issue_id)

    def open_pending_key(self, sealed: str, *, user_id: str | int, cert_id: str | int, issue_id: str | int) -> bytes:
        return self.open_bytes(Field.PENDING_KEY, sealed, user=user_id, cert=cert_id, issue=issue_id)

    def wrap_data_key(self, data_key: bytes, *, user_id: str | int, cert_id: str | int) -> str:
        if len(data_key) != DATA_KEY_BYTES:
            raise ValueError("a data key is 32 bytes")
        return self.seal(Field.DATA_KEY, data_key, user=user_id, cert=cert_id)

    def unwrap_data_key(self, sealed: str, *, user_id: str | int, cert_id: str | int) -> bytes:
        key = self.open_bytes(Field.DATA_KEY, sealed, user=user_id, cert=cert_id)
        if len(key) != DATA_KEY_BYTES:
            raise SecretDecryptError("the sealed data key has the wrong length")
        return key


def vault() -> KeyVault:
    """The stack's vault (SECRETS_KEY_ARN); the box behind it is cached per key for the process."""
    return KeyVault(config.get().require("secrets_key_arn"))
