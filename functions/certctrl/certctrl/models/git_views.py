"""Bodies of the git routes (docs/certctrl-git.md §7) for the OpenAPI document: what the JSON routes answer and
what a repository's creation takes (logic/git_repos checks it again, with its own 422 messages)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class RepoView(BaseModel):
    id: int
    name: str
    description: str
    default_branch: str
    created_at: str
    updated_at: str
    mode: str  # hosted | proxy
    upstream_url: str | None = None
    credential_id: int | None = None
    size_bytes: int
    clone_url: str


class TagView(BaseModel):
    name: str
    target: str
    commit: str | None = None
    annotated: bool
    message: str | None = None
    tagger: str | None = None
    tagged_at: int | None = None


class ProxyCredentialView(BaseModel):
    id: int
    name: str
    host: str
    username: str
    secret: str = Field(description='always "****": a stored secret is never shown')
    created_at: str
    updated_at: str


class InlineCredential(BaseModel):
    """A proxy credential stored with the repository (its host is the upstream's); never shown again."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=100)
    username: str = Field(default="x-access-token", pattern=r"^[A-Za-z0-9._@+-]{1,100}$")
    secret: str = Field(min_length=1, max_length=4096, pattern=r"^[!-~]+$")

    def __repr__(self) -> str:  # the secret never reaches a log line through a repr
        return f"InlineCredential(name={self.name!r}, username={self.username!r}, secret=****)"


class RepoCreate(BaseModel):
    """A hosted repository (`name`), or a proxy one (`upstream_url`, https on 443 with a public host, and a
    credential: `credential_id` of a stored one for that host, or `credential` to store one now)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
    description: str = Field(default="", max_length=500)
    default_branch: str = Field(default="main", pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$")
    upstream_url: str | None = Field(default=None, max_length=2048)
    credential_id: int | None = Field(default=None, ge=1)
    credential: InlineCredential | None = None


class BundleView(BaseModel):
    url: str  # presigned GET of the bundle (S3), valid expires_in seconds
    expires_in: int
    refs: dict[str, str]
    clone_url: str
