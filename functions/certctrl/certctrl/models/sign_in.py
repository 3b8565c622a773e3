"""Answers of `GET /auth/solana` (the OAuth routes answer redirects)."""

from __future__ import annotations

from pydantic import BaseModel

from certctrl.models.auth import Binding, LoginUser


class SolanaChallenge(BaseModel):
    nonce: str
    message: str  # sign exactly this (UTF-8) with the wallet's ed25519 key
    expires_at: int  # epoch seconds


class SolanaSignedIn(BaseModel):
    user: LoginUser
    to: str = "/"


class SolanaBound(BaseModel):
    binding: Binding
