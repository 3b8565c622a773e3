"""Secrets: the JWT keyring (Secrets Manager, cached by Powertools) and the KMS box for upstream credentials."""

from __future__ import annotations

from relay import config
from suite.security import jwt_tokens
from suite.security.secret_box import SecretBox, box_for, field_context


def jwt_keyring() -> jwt_tokens.JwtKeyring:
    return jwt_tokens.load_keyring(config.get().jwt_secret_arn, max_age=300)


def box() -> SecretBox:
    return box_for(config.get().secrets_key_arn)


def seal(value: str, field: str, **owner: str | int) -> str:
    return box().seal(value, field_context("relay", field, **owner))


def open_sealed(sealed: str, field: str, **owner: str | int) -> str:
    return box().open(sealed, field_context("relay", field, **owner))
