"""Bodies of the internal worker's challenge commands (the notes §2: acme.http01.* and acme.tlsalpn01.*)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

Token = Annotated[str, Field(min_length=16, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")]


class ChallengeStart(BaseModel):
    token: Token
    key_authorization: Annotated[str, Field(min_length=20, max_length=256, pattern=r"^[A-Za-z0-9_.-]+$")]
    challenge_id: Annotated[str, Field(min_length=1, max_length=128)] | None = None
    domain: Annotated[str, Field(min_length=1, max_length=253)] | None = None  # default: the certificate's name
    ttl_seconds: Annotated[int, Field(ge=1, le=3600)] = 300
    device_id: Annotated[int, Field(ge=1)] | None = None  # default: every device of the certificate
    listen: dict[str, Any] | None = None  # passed to the agent as is


class ChallengeStop(BaseModel):
    challenge_id: Annotated[str, Field(min_length=1, max_length=128)] | None = None
    token: Token | None = None
    device_id: Annotated[int, Field(ge=1)] | None = None


class ChallengeCommand(BaseModel):
    challenge_id: str
    device_ids: list[int]
    expires_at: int | None = None
